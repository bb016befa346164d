#!/usr/bin/env bash
# Installs everything gxxl and its tests need on a fresh Debian/Ubuntu machine
# (LibreOffice for formula recalculation and PDF, CJK fonts, poppler, chromium + chromedriver and
# PostgreSQL for the collection service's tests), then gxxl itself.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "noto sans cjk\|noto serif cjk" || need_apt+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "wenquanyi" || need_apt+=(fonts-wqy-zenhei)
fc-list 2>/dev/null | grep -qi "ukai" || need_apt+=(fonts-arphic-ukai)  # a 楷体 for （一） headings in PDFs
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # browser tests of gxxl serve
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need_apt+=(postgresql)  # gxxl serve tests on PostgreSQL
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "提示：请安装 ${need_apt[*]}（需要管理员权限）；LibreOffice相关测试将被跳过。" >&2
  fi
fi
# The PostgreSQL tests run the server as the unprivileged 'postgres' user (it refuses root).
if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1 && command -v useradd >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi
# postgresql, cluster (Dask) and parquet (pyarrow) are optional for users; the tests use all three for real
python3 -m pip install -q --disable-pip-version-check -e '.[test,postgresql,cluster,parquet]'
