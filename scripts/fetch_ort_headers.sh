#!/usr/bin/env bash
# Fetch ONNX Runtime's C/C++ headers (not on PyPI) from Debian trixie's
# libonnxruntime-dev package into DEST/include/onnxruntime, without touching the
# system's apt configuration. Usage: scripts/fetch_ort_headers.sh DEST
set -euo pipefail
dest=${1:?usage: fetch_ort_headers.sh DEST}
if [ -f "$dest/include/onnxruntime/onnxruntime_lite_custom_op.h" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" \
  > "$work/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download libonnxruntime-dev)
dpkg -x "$work"/libonnxruntime-dev_*.deb "$work/x"
mkdir -p "$dest/include"
rm -rf "$dest/include/onnxruntime"
cp -r "$work/x/usr/include/onnxruntime" "$dest/include/onnxruntime"
echo "ORT headers: $dest/include/onnxruntime ($(ls "$work"/libonnxruntime-dev_*.deb | xargs basename))"
