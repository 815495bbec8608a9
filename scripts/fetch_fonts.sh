#!/usr/bin/env bash
# Regenerate the bundled font files and license texts of fonts/ from Debian packages.
#
#   scripts/fetch_fonts.sh [DEST]        # DEST defaults to <repo>/fonts
#
# The font files are committed to the repository; this script is NOT run at install time. It documents
# exactly where every bundled file comes from and lets a maintainer rebuild fonts/ (e.g. to audit the
# committed bytes, or to move to newer package versions).
#
# What it does:
#   1. `apt-get download` each source package (pinned to the Debian 12 "bookworm" versions recorded in
#      fonts/catalog.json and fonts/README.md) into a temporary directory,
#   2. `dpkg-deb -x` every package into that directory (nothing is installed on the system),
#   3. copies the selected static TTF/OTF files to DEST/<family-id>/ and the packages' copyright files
#      (which carry the full OFL-1.1 text; the Apache-2.0 text is appended for Droid Sans Fallback) to
#      DEST/licenses/,
#   4. checks that every file named in DEST/catalog.json exists.
#
# fonts/catalog.json and fonts/README.md are hand-written and are left untouched.
#
# Requirements: a Debian/Ubuntu system with apt-get and dpkg-deb, and package lists that know the packages
# (run `apt-get update` once first). Set FONTS_UNPINNED=1 to download whatever version apt currently offers
# instead of the pinned one (then update the "source" fields in catalog.json and the table in README.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/fonts}"

# package -> pinned version (Debian 12 bookworm)
declare -A PKG_VERSION=(
  [fonts-noto-core]="20201225-1"
  [fonts-droid-fallback]="1:6.0.1r16-1.1"
  [fonts-dancingscript]="1.2-2"
  [fonts-kaushanscript]="1.02-2.1"
  [fonts-lobstertwo]="2.0-2.1"
  [fonts-lobster]="2.0-2.1"
  [fonts-bebas-neue]="3.0-2"
  [fonts-ebgaramond]="0.016+git20210310.42d4f9f2-1"
  [fonts-liberation2]="2.1.5-1"
)

# family-id | package | path inside the package | file name in DEST/<family-id>/
FILES=(
  "noto-sans|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSans-Regular.ttf|NotoSans-Regular.ttf"
  "noto-sans|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSans-Bold.ttf|NotoSans-Bold.ttf"
  "noto-sans|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSans-Italic.ttf|NotoSans-Italic.ttf"
  "noto-sans|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSans-BoldItalic.ttf|NotoSans-BoldItalic.ttf"
  "noto-serif|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf|NotoSerif-Regular.ttf"
  "noto-serif|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSerif-Bold.ttf|NotoSerif-Bold.ttf"
  "noto-serif|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSerif-Italic.ttf|NotoSerif-Italic.ttf"
  "noto-serif|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSerif-BoldItalic.ttf|NotoSerif-BoldItalic.ttf"
  "noto-sans-arabic|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf|NotoSansArabic-Regular.ttf"
  "noto-sans-arabic|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf|NotoSansArabic-Bold.ttf"
  "noto-sans-hebrew|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf|NotoSansHebrew-Regular.ttf"
  "noto-sans-hebrew|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansHebrew-Bold.ttf|NotoSansHebrew-Bold.ttf"
  "noto-sans-devanagari|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf|NotoSansDevanagari-Regular.ttf"
  "noto-sans-devanagari|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansDevanagari-Bold.ttf|NotoSansDevanagari-Bold.ttf"
  "noto-sans-tamil|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansTamil-Regular.ttf|NotoSansTamil-Regular.ttf"
  "noto-sans-tamil|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansTamil-Bold.ttf|NotoSansTamil-Bold.ttf"
  "noto-sans-bengali|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf|NotoSansBengali-Regular.ttf"
  "noto-sans-bengali|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansBengali-Bold.ttf|NotoSansBengali-Bold.ttf"
  "noto-sans-gurmukhi|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansGurmukhi-Regular.ttf|NotoSansGurmukhi-Regular.ttf"
  "noto-sans-gurmukhi|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansGurmukhi-Bold.ttf|NotoSansGurmukhi-Bold.ttf"
  "noto-sans-gujarati|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansGujarati-Regular.ttf|NotoSansGujarati-Regular.ttf"
  "noto-sans-gujarati|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansGujarati-Bold.ttf|NotoSansGujarati-Bold.ttf"
  "noto-sans-telugu|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansTelugu-Regular.ttf|NotoSansTelugu-Regular.ttf"
  "noto-sans-telugu|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansTelugu-Bold.ttf|NotoSansTelugu-Bold.ttf"
  "noto-sans-kannada|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansKannada-Regular.ttf|NotoSansKannada-Regular.ttf"
  "noto-sans-kannada|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansKannada-Bold.ttf|NotoSansKannada-Bold.ttf"
  "noto-sans-malayalam|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansMalayalam-Regular.ttf|NotoSansMalayalam-Regular.ttf"
  "noto-sans-malayalam|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansMalayalam-Bold.ttf|NotoSansMalayalam-Bold.ttf"
  "noto-sans-oriya|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansOriya-Regular.ttf|NotoSansOriya-Regular.ttf"
  "noto-sans-oriya|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansOriya-Bold.ttf|NotoSansOriya-Bold.ttf"
  # symbols at the end of the fallback chain (Symbols 2 has no bold in the package)
  "noto-sans-symbols2|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansSymbols2-Regular.ttf|NotoSansSymbols2-Regular.ttf"
  "noto-sans-symbols|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansSymbols-Regular.ttf|NotoSansSymbols-Regular.ttf"
  "noto-sans-symbols|fonts-noto-core|usr/share/fonts/truetype/noto/NotoSansSymbols-Bold.ttf|NotoSansSymbols-Bold.ttf"
  # DroidSansFallback.ttf, not DroidSansFallbackFull.ttf: only the former has the Hangul syllables.
  "droid-sans-fallback|fonts-droid-fallback|usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf|DroidSansFallback.ttf"
  "dancing-script|fonts-dancingscript|usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf|DancingScript-Regular.otf"
  "dancing-script|fonts-dancingscript|usr/share/fonts/opentype/dancingscript/DancingScript-Bold.otf|DancingScript-Bold.otf"
  "kaushan-script|fonts-kaushanscript|usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf|KaushanScript-Regular.otf"
  # fonts-lobstertwo's LobsterTwo-BoldItalic.otf is only a symlink to ../lobster/lobster.otf from
  # fonts-lobster, whose lobster.otf is in fact Lobster Two Bold Italic (name table says so), not the
  # original one-style Lobster. So the original "Lobster" is not available from Debian.
  "lobster-two|fonts-lobstertwo|usr/share/fonts/opentype/lobstertwo/LobsterTwo-Regular.otf|LobsterTwo-Regular.otf"
  "lobster-two|fonts-lobstertwo|usr/share/fonts/opentype/lobstertwo/LobsterTwo-Bold.otf|LobsterTwo-Bold.otf"
  "lobster-two|fonts-lobstertwo|usr/share/fonts/opentype/lobstertwo/LobsterTwo-Italic.otf|LobsterTwo-Italic.otf"
  "lobster-two|fonts-lobster|usr/share/fonts/opentype/lobster/lobster.otf|LobsterTwo-BoldItalic.otf"
  "bebas-neue|fonts-bebas-neue|usr/share/fonts/opentype/bebas-neue/BebasNeue-Light.otf|BebasNeue-Light.otf"
  "bebas-neue|fonts-bebas-neue|usr/share/fonts/opentype/bebas-neue/BebasNeue-Regular.otf|BebasNeue-Regular.otf"
  "bebas-neue|fonts-bebas-neue|usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf|BebasNeue-Bold.otf"
  # EB Garamond 12 only: its Bold is an incomplete 128-glyph draft in this release, so it is left out.
  "eb-garamond|fonts-ebgaramond|usr/share/fonts/opentype/ebgaramond/EBGaramond12-Regular.otf|EBGaramond12-Regular.otf"
  "eb-garamond|fonts-ebgaramond|usr/share/fonts/opentype/ebgaramond/EBGaramond12-Italic.otf|EBGaramond12-Italic.otf"
  # metric-compatible with Arial / Helvetica, Times New Roman (Fabric's default fontFamily) and Courier New
  "liberation-sans|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf|LiberationSans-Regular.ttf"
  "liberation-sans|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf|LiberationSans-Bold.ttf"
  "liberation-sans|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf|LiberationSans-Italic.ttf"
  "liberation-sans|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSans-BoldItalic.ttf|LiberationSans-BoldItalic.ttf"
  "liberation-serif|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf|LiberationSerif-Regular.ttf"
  "liberation-serif|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf|LiberationSerif-Bold.ttf"
  "liberation-serif|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf|LiberationSerif-Italic.ttf"
  "liberation-serif|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationSerif-BoldItalic.ttf|LiberationSerif-BoldItalic.ttf"
  "liberation-mono|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf|LiberationMono-Regular.ttf"
  "liberation-mono|fonts-liberation2|usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf|LiberationMono-Bold.ttf"
)

# license file in DEST/licenses/ <- package whose /usr/share/doc/<pkg>/copyright it is
LICENSES=(
  "OFL-noto.txt|fonts-noto-core"
  "Apache-2.0-droid-sans-fallback.txt|fonts-droid-fallback"
  "OFL-dancing-script.txt|fonts-dancingscript"
  "OFL-kaushan-script.txt|fonts-kaushanscript"
  "OFL-lobster-two.txt|fonts-lobstertwo"
  "OFL-bebas-neue.txt|fonts-bebas-neue"
  "OFL-eb-garamond.txt|fonts-ebgaramond"
  "OFL-liberation.txt|fonts-liberation2"
)

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "fetch_fonts: $tool not found (needs a Debian-based system)" >&2; exit 1; }
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
APT_OPTS=()
# as root apt drops to its _apt user, which cannot write into the private temp dir: download as root instead
[[ "$(id -u)" == 0 ]] && APT_OPTS=(-o APT::Sandbox::User=root)

echo "fetch_fonts: downloading packages into $WORK"
for pkg in "${!PKG_VERSION[@]}"; do
  spec="$pkg=${PKG_VERSION[$pkg]}"
  [[ "${FONTS_UNPINNED:-0}" == 1 ]] && spec="$pkg"
  if ! (cd "$WORK" && apt-get download -q "${APT_OPTS[@]}" "$spec" >/dev/null); then
    echo "fetch_fonts: could not download $spec (run 'apt-get update' first, or FONTS_UNPINNED=1)" >&2
    exit 1
  fi
done

for deb in "$WORK"/*.deb; do
  name="$(dpkg-deb -f "$deb" Package)"
  mkdir -p "$WORK/x/$name"
  dpkg-deb -x "$deb" "$WORK/x/$name"
  echo "fetch_fonts: extracted $name $(dpkg-deb -f "$deb" Version)"
done

mkdir -p "$DEST/licenses"
# start each managed family folder afresh so no stale file survives
for entry in "${FILES[@]}"; do
  IFS='|' read -r fid _ _ _ <<<"$entry"
  rm -rf "${DEST:?}/$fid"
done
for entry in "${FILES[@]}"; do
  IFS='|' read -r fid pkg src name <<<"$entry"
  mkdir -p "$DEST/$fid"
  install -m 644 "$WORK/x/$pkg/$src" "$DEST/$fid/$name"
done

for entry in "${LICENSES[@]}"; do
  IFS='|' read -r name pkg <<<"$entry"
  out="$DEST/licenses/$name"
  cp "$WORK/x/$pkg/usr/share/doc/$pkg/copyright" "$out"
  if [[ "$name" == Apache-2.0* ]]; then
    # the Debian copyright file only points at /usr/share/common-licenses/Apache-2.0: append the full text
    {
      printf '\n\n%s\n\n' "------------------------------------------------------------------------------"
      cat /usr/share/common-licenses/Apache-2.0
    } >>"$out"
  fi
  chmod 644 "$out"
done

if [[ -f "$DEST/catalog.json" ]]; then
  python3 - "$DEST" <<'EOF'
import json, pathlib, sys
d = pathlib.Path(sys.argv[1])
cat = json.loads((d / "catalog.json").read_text(encoding="utf-8"))
missing = [p for f in cat["families"] for p in [f["license_file"], *(s["file"] for s in f["styles"])]
           if not (d / p).is_file()]
if missing:
    sys.exit("fetch_fonts: catalog.json names missing files: " + ", ".join(missing))
print(f"fetch_fonts: catalog.json OK ({len(cat['families'])} families)")
EOF
fi
du -sh "$DEST"
