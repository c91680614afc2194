#!/bin/sh
# Test stand-in for the docker:dind image's dockerd-entrypoint.sh, in the tests' daemon image
# (build-node-images.sh): given flags alone, or `dockerd` and flags, it runs dockerd with them, as
# docker:dind does. Unlike docker:dind it makes no TLS certificates and does not run the `dind` wrapper
# (which mounts securityfs and nests cgroup v2); this VM has cgroup v1.
set -e
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- dockerd "$@"
fi
exec "$@"
