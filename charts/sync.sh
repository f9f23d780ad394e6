#!/usr/bin/env bash
# Copies the files the chart shares with deploy/ into the chart (Helm reads only files inside the
# chart folder): the CRDs, the monitoring dashboard and rules, and the users' ClusterRoles. deploy/ holds the originals;
# charts/chart.test.ts fails when the copies differ. Run after changing deploy/crds or deploy/monitoring.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
chart="$root/charts/movie-reco"
mkdir -p "$chart/crds" "$chart/files"
rm -f "$chart"/crds/*.yaml
cp "$root"/deploy/crds/*.yaml "$chart/crds/"
cp "$root/deploy/monitoring/movie-reco-dashboard.json" "$root/deploy/monitoring/movie-reco.rules.yaml" "$chart/files/"
cp "$root/deploy/rbac/user-clusterroles.yaml" "$chart/files/"
echo "synced CRDs and monitoring files into $chart"
