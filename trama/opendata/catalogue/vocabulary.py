"""The RDF vocabularies of DCAT-AP_IT and the EU controlled vocabularies it prescribes
(data themes, frequencies, file types, licences, languages: publications.europa.eu)."""

from rdflib import Namespace, URIRef

DCATAPIT = Namespace("http://dati.gov.it/onto/dcatapit#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS_LICENCE_TYPE = Namespace("http://purl.org/adms/licencetype/")

EU = "http://publications.europa.eu/resource/authority/"
THEME = Namespace(EU + "data-theme/")
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
LICENCE = Namespace(EU + "licence/")
LANGUAGE = Namespace(EU + "language/")
THEME_TAXONOMY = URIRef(EU + "data-theme")

# Government and public sector, Population and society, Economy and finance.
GOVE, SOCI, ECON = THEME.GOVE, THEME.SOCI, THEME.ECON
IRREGULAR, DAILY, CONTINUOUS = FREQUENCY.IRREG, FREQUENCY.DAILY, FREQUENCY.CONT
ITALIAN = LANGUAGE.ITA

# Every dataset on Trama is published under CC BY 4.0 (as the downloads themselves say).
CC_BY_4 = LICENCE.CC_BY_4_0
CC_BY_4_NAME = "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)"
CC_BY_4_PAGE = URIRef("https://creativecommons.org/licenses/by/4.0/")

FORMATS = {
    "csv": FILE_TYPE.CSV,
    "xlsx": FILE_TYPE.XLSX,
    "json": FILE_TYPE.JSON,
    # JSON Lines has no entry of its own in the EU vocabulary: each line is JSON.
    "jsonl": FILE_TYPE.JSON,
    "zip": FILE_TYPE.ZIP,
    "atom": FILE_TYPE.ATOM,
    "html": FILE_TYPE.HTML,
}
