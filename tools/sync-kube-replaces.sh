#!/usr/bin/env bash
# Pins tools/kube to another Kubernetes release: tools/sync-kube-replaces.sh v1.36.3
# k8s.io/kubernetes replaces each k8s.io/* staging module with ./staging/..., which a dependent
# module cannot see; this rewrites tools/kube/go.mod to replace each with its published twin
# (v1.X.Y -> v0.X.Y), then refreshes go.sum.
set -euo pipefail
version="${1:?usage: $0 v1.MINOR.PATCH}"
staging="v0.${version#v1.}"
cd "$(dirname "$0")/kube"
upstream="$(GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@${version}" \
  | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
{
  sed '/^require k8s.io\/kubernetes /,$d' go.mod
  echo "require k8s.io/kubernetes ${version}"
  echo
  echo "replace ("
  grep -E '=> ./staging/' "$upstream" | awk -v v="$staging" '{ print "\t" $1 " => " $1 " " v }'
  echo ")"
} > go.mod.new
mv go.mod.new go.mod
go mod tidy
echo "tools/kube now pins k8s.io/kubernetes ${version} (staging ${staging}); the next test run builds it."
