#!/bin/sh
# Reproduce the vendored Apache ECharts of the audit dashboard (services/audit/static/) from the npm
# registry and check it: bureaus run on closed intranets, so the page never loads it from a CDN.
set -eu
VERSION=6.1.0
TGZ_SHA256=681aff88cc1038c3fa941a3a53d1b177a52250b05335efc607d6105ae13be481
JS_SHA256=b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0
DEST="$(cd "$(dirname "$0")/.." && pwd)/services/audit/static"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "echarts@$VERSION" >/dev/null
echo "$TGZ_SHA256  echarts-$VERSION.tgz" | sha256sum -c -
tar -xzf "echarts-$VERSION.tgz" package/dist/echarts.min.js package/LICENSE package/NOTICE
echo "$JS_SHA256  package/dist/echarts.min.js" | sha256sum -c -
mkdir -p "$DEST"
cp package/dist/echarts.min.js "$DEST/echarts.min.js"
cp package/LICENSE "$DEST/ECHARTS-LICENSE"
cp package/NOTICE "$DEST/ECHARTS-NOTICE"
echo "echarts $VERSION -> $DEST"
