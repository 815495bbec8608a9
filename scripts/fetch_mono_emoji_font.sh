#!/usr/bin/env bash
# Regenerate fonts/noto-emoji/NotoEmoji-Regular.ttf (the monochrome emoji face for templates whose print
# process is one colour: text.emoji = "monochrome") and its licence from the npm package
# @expo-google-fonts/noto-emoji (pinned). The package ships Google's Noto Emoji (monochrome outlines,
# SIL OFL 1.1, LICENSE_FONT) as static TTFs; only the Regular is bundled. Nothing is downloaded at run time.
#
#   scripts/fetch_mono_emoji_font.sh [DEST]   # DEST defaults to <repo>/fonts
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/fonts}"
VERSION="0.4.7"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack -q "@expo-google-fonts/noto-emoji@$VERSION" >/dev/null && tar xzf "expo-google-fonts-noto-emoji-$VERSION.tgz")
mkdir -p "$DEST/noto-emoji" "$DEST/licenses"
install -m 644 "$WORK/package/400Regular/NotoEmoji_400Regular.ttf" "$DEST/noto-emoji/NotoEmoji-Regular.ttf"
install -m 644 "$WORK/package/LICENSE_FONT" "$DEST/licenses/OFL-noto-emoji.txt"
sha256sum "$DEST/noto-emoji/NotoEmoji-Regular.ttf"
