from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    name = "trama.benchmarks"
    verbose_name = "Benchmarks"
