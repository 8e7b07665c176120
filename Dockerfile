# syntax=docker/dockerfile:1
#
# One image recipe for the three Parley services:
#
#   docker build --build-arg SERVICE=gateway     -t parley/gateway .
#   docker build --build-arg SERVICE=chat-worker -t parley/chat-worker .
#   docker build --build-arg SERVICE=notifier    -t parley/notifier .
#
# The build stage installs the whole workspace from package-lock.json and runs
# k8s/image/build-service.mjs, which bundles the service's TypeScript (with the
# @parley packages it uses) into one ESM file and copies only the npm packages
# that file loads at run time, with their production dependencies. The runtime
# stage gets that tree and nothing else: no dev dependencies, no sources, no
# npm install. See k8s/README.md ("Images").

# Node 24 LTS on Debian bookworm-slim (which has the `sleep` the pods' preStop
# hook runs), pinned by the digest of its multi-arch index (linux/amd64 and
# linux/arm64) so that a re-pushed tag cannot change what gets built. The tag
# stays for readers and for the update bots: Renovate (`docker:pinDigests`) or
# Dependabot (`package-ecosystem: docker`) should keep this digest current, each
# bump a reviewed change. packages/k8s-checks fails on a FROM that is not Node
# 24 or not pinned by digest.
ARG NODE_IMAGE=node:24-bookworm-slim@sha256:0e0ff40c39bc087845bfb27465a0df4ea419520094bc35842ff83dd8cbe6f9b6

# Package manifests only, so that `npm ci` below is cached until they change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# The same places as the root package.json's workspaces: packages/*, services/*, emulators/*, web.
RUN mkdir /manifests \
 && cp --parents package.json package-lock.json web/package.json /manifests/ \
 && find packages services emulators -mindepth 2 -maxdepth 2 -name package.json \
      -exec cp --parents {} /manifests/ \;

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /manifests/ ./
# Install scripts stay off (as in the workspace); esbuild and rollup find their
# platform binaries through their optional dependencies.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
ARG SERVICE
RUN case "$SERVICE" in \
      gateway|chat-worker|notifier) ;; \
      *) echo "--build-arg SERVICE must be gateway, chat-worker or notifier (got '$SERVICE')" >&2; exit 1 ;; \
    esac
# The gateway serves the chat page: build it into web/dist first.
RUN if [ "$SERVICE" = gateway ]; then npm run build -w web; fi
RUN node k8s/image/build-service.mjs "$SERVICE" /deploy

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app/services/${SERVICE}
# Files stay owned by root: the process can read them, not change them.
COPY --from=build /deploy/ /app/
# 1000 is the image's `node` user; numeric so that runAsNonRoot can verify it.
USER 1000:1000
# Ports come from PORT (k8s sets gateway 7071, chat-worker 7072, notifier 7073).
CMD ["node", "dist/main.js"]
