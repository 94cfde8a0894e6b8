# The production image: `node src/main.ts` (the proxy) or `node scripts/sync-worker.ts` (a sync worker),
# TypeScript run directly by Node 24's type stripping. scripts/image/image-layout.ts reads this file to
# rebuild the same file layout without a Docker engine; keep to the instructions it understands.
# For reproducible builds pin the base by digest (node:24-slim@sha256:…) in your registry mirror.
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies are only the demo's embedded PostgreSQL binaries (and pg's Cloudflare socket);
# no production dependency needs an install script.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY routes ./routes
COPY adapters ./adapters
COPY flags ./flags
COPY scripts/sync-worker.ts scripts/cli-args.ts ./scripts/
# Files stay root-owned, so the process cannot change its own code. It writes only under DATA_DIR (the
# last flags fetched from Unleash): /tmp is writable wherever the root filesystem is, and a read-only
# one needs a volume there (deploy/base mounts emptyDirs).
USER 10001:10001
ENV DATA_DIR=/tmp/strangler
EXPOSE 8080 9090
# node is PID 1 on purpose: it handles SIGTERM and SIGINT itself (graceful shutdown) and starts no child
# processes that could be orphaned, so an init such as tini would add nothing. No HEALTHCHECK: the
# orchestrator probes /health/live and /health/ready on the admin port.
CMD ["node", "src/main.ts"]
