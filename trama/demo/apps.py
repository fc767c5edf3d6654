from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "trama.demo"
    verbose_name = "Demo data"
