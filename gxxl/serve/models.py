"""What the service keeps: the site (county, year, deadline), the roster's organs with their link
hashes, every acknowledged submission with its findings, admin API tokens and the audit log."""
from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models

# Board states (the order is the board's sort order for 催报: the worst first).
NOT_SUBMITTED = "未报送"
HAS_ERRORS = "有错误"
NEEDS_EXPLANATION = "待说明"
SUBMITTED = "已报送"
RETURNED = "已退回"
CONFIRMED = "已确认"
STATES = (NOT_SUBMITTED, HAS_ERRORS, NEEDS_EXPLANATION, RETURNED, SUBMITTED, CONFIRMED)
COUNTED_STATES = (SUBMITTED, CONFIRMED)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Site(models.Model):
    """The one collection this data folder runs (row id 1)."""

    name = models.CharField("汇总单位名称", max_length=200)
    year = models.PositiveIntegerField("报告年度")
    deadline = models.DateField("报送截止日期")
    base_url = models.CharField("对外地址", max_length=300, blank=True, default="")
    only_confirmed = models.BooleanField("只汇总已确认的报送", default=False)
    created = models.DateTimeField(auto_now_add=True)

    @classmethod
    def get(cls) -> "Site":
        return cls.objects.get(pk=1)


class Organ(models.Model):
    name = models.CharField("机关名称", max_length=200)
    aliases = models.CharField("别名", max_length=500, blank=True, default="")  # separated by "、"
    code = models.CharField("代码", max_length=50, blank=True, default="")
    contact = models.CharField("联系人", max_length=100, blank=True, default="")
    phone = models.CharField("联系电话", max_length=100, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    link_created = models.DateTimeField("链接生成时间")
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)  # removed organs keep their history
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split("、") if a.strip()]


class Submission(models.Model):
    """One acknowledged upload: the stored file (by sha256) and what validation found in it."""

    organ = models.ForeignKey(Organ, on_delete=models.PROTECT, related_name="submissions")
    sha256 = models.CharField(max_length=64, db_index=True)
    stored_name = models.CharField(max_length=120)  # files/ab/<sha256><suffix> relative to the data folder
    original_name = models.CharField("文件名", max_length=255)
    size = models.PositiveBigIntegerField()
    received = models.DateTimeField("上传时间", db_index=True)
    via = models.CharField(max_length=10, default="web")  # web | api
    ip = models.CharField(max_length=64, blank=True, default="")
    cover_organ = models.CharField("封面机关名称", max_length=300, blank=True, default="")
    year = models.IntegerField(null=True, blank=True)
    errors = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    findings_json = models.TextField(default="[]")  # exactly the findings of gxxl validate --format json
    notes_json = models.TextField(default="[]")
    meta_json = models.TextField(default="{}")
    # explanations typed on the page, by finding key (rule|sheet|cell)
    explanations_json = models.TextField(default="{}")
    review = models.CharField(max_length=10, blank=True, default="")  # "" | returned | confirmed
    review_reason = models.TextField(blank=True, default="")
    reviewed_by = models.CharField(max_length=150, blank=True, default="")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received", "-id"]

    @property
    def findings(self) -> list[dict]:
        return json.loads(self.findings_json)

    @property
    def page_explanations(self) -> dict[str, str]:
        return json.loads(self.explanations_json or "{}")

    @property
    def meta(self) -> dict:
        return json.loads(self.meta_json or "{}")

    def findings_with_explanations(self) -> list[dict]:
        """Findings with the page's explanations applied (the workbook's 说明 sheet is already in them)."""
        typed = self.page_explanations
        out = []
        for f in self.findings:
            f = dict(f)
            key = finding_key(f)
            if f["severity"] == "warning" and not f.get("explained") and typed.get(key):
                f["explained"], f["explanation"], f["explained_on_page"] = True, typed[key], True
            f["key"] = key
            out.append(f)
        return out

    @property
    def unexplained(self) -> int:
        return sum(1 for f in self.findings_with_explanations() if f["severity"] == "warning" and not f["explained"])

    @property
    def state(self) -> str:
        """The board state this submission gives its organ when it is the latest one."""
        if self.review == "returned":
            return RETURNED
        if self.errors:
            return HAS_ERRORS
        if self.review == "confirmed":
            return CONFIRMED
        if self.unexplained:
            return NEEDS_EXPLANATION
        return SUBMITTED

    def path(self):
        return settings.GXXL_DATA_DIR / self.stored_name


def finding_key(f: dict) -> str:
    return f"{f.get('rule')}|{f.get('sheet') or ''}|{f.get('cell') or ''}"


class ApiToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    username = models.CharField(max_length=150)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)


class AuditLog(models.Model):
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.CharField("操作人", max_length=250)
    action = models.CharField("操作", max_length=40, db_index=True)
    organ = models.ForeignKey(Organ, null=True, blank=True, on_delete=models.SET_NULL)
    submission = models.ForeignKey(Submission, null=True, blank=True, on_delete=models.SET_NULL)
    detail = models.TextField("详情", blank=True, default="")
    ip = models.CharField(max_length=64, blank=True, default="", db_index=True)

    class Meta:
        ordering = ["-at", "-id"]


ACTION_LABELS = {
    "init": "初始化", "upload": "上传", "upload_refused": "上传被拒收", "explain": "填写说明", "return": "退回",
    "confirm": "确认", "unconfirm": "撤销确认", "link_regenerated": "重新生成链接", "organ_added": "添加机关",
    "organ_removed": "移除机关", "organ_restored": "恢复机关", "organ_edited": "修改机关信息",
    "roster_imported": "导入名单", "login": "登录", "login_failed": "登录失败", "logout": "退出登录",
    "token_created": "生成API令牌", "settings": "修改设置", "download": "下载",
}
