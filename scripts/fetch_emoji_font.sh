#!/usr/bin/env bash
# Regenerate fonts/twemoji/Twemoji.ttf and its licence from the npm package twemoji-colr-font (pinned).
#
#   scripts/fetch_emoji_font.sh [DEST]        # DEST defaults to <repo>/fonts
#
# The package ships twemoji.woff2, a COLRv0/CPAL colour font (Twemoji artwork, CC-BY-4.0; font OFL-1.1)
# built with mozilla/twemoji-colr. HarfBuzz does not read WOFF2, so it is decompressed once to TTF with
# fontTools (which needs the brotli module for that; it is installed into a temporary folder, not into the
# environment). The TTF is committed; nothing is downloaded at run time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/fonts}"
VERSION="15.0.3"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack -q "twemoji-colr-font@$VERSION" >/dev/null && tar xzf "twemoji-colr-font-$VERSION.tgz")
python3 -m pip install -q --target "$WORK/py" brotli
mkdir -p "$DEST/twemoji" "$DEST/licenses"
PYTHONPATH="$WORK/py" python3 - "$WORK/package/twemoji.woff2" "$DEST/twemoji/Twemoji.ttf" <<'PY'
import sys
from fontTools.ttLib import TTFont
font = TTFont(sys.argv[1])
font.flavor = None
font.save(sys.argv[2])
PY
install -m 644 "$WORK/package/LICENSE" "$DEST/licenses/OFL-CC-BY-4.0-twemoji.txt"
chmod 644 "$DEST/twemoji/Twemoji.ttf"
sha256sum "$DEST/twemoji/Twemoji.ttf"
