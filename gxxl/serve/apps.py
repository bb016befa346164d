from django.apps import AppConfig


class ServeConfig(AppConfig):
    name = "gxxl.serve"
    label = "gxxl_serve"
    verbose_name = "政府信息公开年报收集服务"
    default_auto_field = "django.db.models.BigAutoField"
