#!/usr/bin/env bash
# Installs everything gxxl and its tests need on a fresh Debian/Ubuntu machine
# (LibreOffice for formula recalculation and PDF, CJK fonts, poppler), then gxxl itself.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-calc libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need_apt+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "noto sans cjk\|noto serif cjk" || need_apt+=(fonts-noto-cjk)
fc-list 2>/dev/null | grep -qi "wenquanyi" || need_apt+=(fonts-wqy-zenhei)
fc-list 2>/dev/null | grep -qi "ukai" || need_apt+=(fonts-arphic-ukai)  # a 楷体 for （一） headings in PDFs
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "提示：请安装 ${need_apt[*]}（需要管理员权限）；LibreOffice相关测试将被跳过。" >&2
  fi
fi
# cluster (Dask) and parquet (pyarrow) are optional for users; the tests run a real Dask cluster and read Parquet
python3 -m pip install -q --disable-pip-version-check -e '.[test,cluster,parquet]'
