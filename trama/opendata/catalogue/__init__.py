"""The DCAT-AP_IT catalogue of Trama's open data, in Turtle and JSON-LD, for dati.gov.it."""
