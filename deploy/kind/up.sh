#!/usr/bin/env bash
# npm run kind:up — from a clone to a served recommendation on a kind cluster:
# creates the cluster, builds and loads the image, installs the chart (CRDs, operator, evaluation
# MySQL and MinIO, the ml-latest-small load, the samples), waits for a promoted model and prints how
# to call it. Needs docker, kind, kubectl and helm on PATH. Idempotent: rerun to upgrade in place.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="${KIND_CLUSTER_NAME:-movie-reco}"
namespace="${MOVIE_RECO_NAMESPACE:-movie-reco}"
release="${MOVIE_RECO_RELEASE:-movie-reco}"
image="movie-reco:dev"
timeout="${MOVIE_RECO_WAIT:-20m}"

for tool in docker kind kubectl helm; do
  command -v "$tool" >/dev/null || { echo "kind:up needs $tool on PATH" >&2; exit 1; }
done

if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --config "$root/deploy/kind/cluster.yaml" --wait 120s
fi
kubectl config use-context "kind-$cluster" >/dev/null

echo "==> building $image"
docker build -t "$image" "$root"
kind load docker-image "$image" --name "$cluster"

echo "==> installing the chart into $namespace"
kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$namespace" --overwrite \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest
# --wait: MySQL and MinIO are ready before the dataset Job (a post-install hook) runs; the samples
# are created after that Job completed.
helm upgrade --install "$release" "$root/charts/movie-reco" \
  --namespace "$namespace" \
  --set image.repository=movie-reco --set image.tag=dev --set image.pullPolicy=Never \
  --set samples.enabled=true \
  --wait --timeout "$timeout"

echo "==> waiting for a promoted model (training takes a few minutes)"
kubectl -n "$namespace" wait modelrelease/movielens --for=condition=Promoted --timeout="$timeout"
kubectl -n "$namespace" wait modelrelease/movielens --for=condition=Ready --timeout="$timeout"
kubectl -n "$namespace" get trainingruns,modelreleases

cat <<INFO

movie-reco is serving. In another terminal:

  kubectl -n $namespace port-forward svc/movielens-inference 8080:80

then:

  curl -u demo:demo-password 'http://127.0.0.1:8080/v1/recommendations?userId=1&n=10'
  open http://127.0.0.1:8080/docs      # the API documentation

Remove everything with: npm run kind:down
INFO
