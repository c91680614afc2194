#!/bin/sh
# Test stand-in for the actions runner's config.sh (see run.sh): writes <root>/.runner from its
# --name, as `config.sh --unattended` would after registering; it talks to no GitHub.
set -eu
root=$(cd "$(dirname "$0")" && pwd)
name=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --url | --token | --labels | --work) shift 2 ;;
    *) shift ;;
  esac
done
printf '{"agentName":"%s","workFolder":"_work"}' "$name" > "$root/.runner"
