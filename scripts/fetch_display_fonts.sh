#!/usr/bin/env bash
# Regenerate the decorative Devanagari and Chinese faces (issue #21) and their licences from the npm packages
# @expo-google-fonts/* (pinned; only their 0.4 releases carry the font licence, so older packages such as
# yatra-one and amita are not used). Each package ships Google Fonts' static TTFs with the SIL OFL 1.1 text
# (LICENSE_FONT). The files are committed; nothing is downloaded at install or run time.
#
#   kalam         Kalam 2.001 (Indian Type Foundry): handwriting, Devanagari + Latin, 400 and 700
#   ma-shan-zheng Ma Shan Zheng 2.003: Chinese brush calligraphy, all 6 763 GB 2312 hanzi, 400
#
#   scripts/fetch_display_fonts.sh [DEST]   # DEST defaults to <repo>/fonts
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/fonts}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

take() {  # take <npm package> <version> <id> <licence name> <src:dst>...
  local pkg="$1" version="$2" id="$3" licence="$4"; shift 4
  local dir="$WORK/$id"
  mkdir -p "$dir" "$DEST/$id" "$DEST/licenses"
  (cd "$dir" && npm pack -q "$pkg@$version" >/dev/null && tar xzf ./*.tgz)
  for pair in "$@"; do
    install -m 644 "$dir/package/${pair%%:*}" "$DEST/$id/${pair##*:}"
    sha256sum "$DEST/$id/${pair##*:}"
  done
  install -m 644 "$dir/package/LICENSE_FONT" "$DEST/licenses/$licence"
}

take @expo-google-fonts/kalam 0.4.1 kalam OFL-kalam.txt \
  400Regular/Kalam_400Regular.ttf:Kalam-Regular.ttf 700Bold/Kalam_700Bold.ttf:Kalam-Bold.ttf
take @expo-google-fonts/ma-shan-zheng 0.4.3 ma-shan-zheng OFL-ma-shan-zheng.txt \
  400Regular/MaShanZheng_400Regular.ttf:MaShanZheng-Regular.ttf
