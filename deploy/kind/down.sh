#!/usr/bin/env bash
# npm run kind:down — deletes the kind cluster made by kind:up (and everything in it).
set -euo pipefail
cluster="${KIND_CLUSTER_NAME:-movie-reco}"
command -v kind >/dev/null || { echo "kind:down needs kind on PATH" >&2; exit 1; }
if kind get clusters | grep -qx "$cluster"; then
  kind delete cluster --name "$cluster"
else
  echo "no kind cluster named $cluster"
fi
