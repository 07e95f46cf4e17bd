# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, non-root, read-only code.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    TRUST_LISTS_DIR=/app/trust-lists \
    DATA_DIR=/var/lib/lintas
WORKDIR /app
# tini as PID 1: it forwards SIGTERM to node (the drain of src/main.ts) and reaps orphans. Each
# HTTP worker forks an image decoder process (src/qr/process-decoder.ts); when a worker dies, its
# decoder exits too and is re-parented to PID 1, and node as PID 1 would leave it a zombie.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# Operator commands run the compiled CLI here (`npm run trust -- sources`, `npm run audit:verify`;
# or `node dist/cli/trust.js …`): the image has no TypeScript, so npm must not run their `pre`
# build scripts (npm run still runs the named script with ignore-scripts). npm's cache and logs go
# to /tmp, writable under a read-only root filesystem.
# Large buffers (image bodies, decoded pixels) stay mmap'd and are returned when freed, instead of
# ratcheting the RSS up in malloc arenas (src/cluster.ts WORKER_GLIBC_TUNABLES; here for WORKERS=1 too).
ENV GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
ENV NPM_CONFIG_IGNORE_SCRIPTS=true \
    NPM_CONFIG_CACHE=/tmp/.npm \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY --from=build /app/dist ./dist
# The officer page's static files are served from the source folder (tsc does not copy them).
COPY src/console ./src/console
COPY policies ./policies
COPY trust-lists ./trust-lists
COPY samples ./samples
RUN mkdir -p /var/lib/lintas && chown node:node /var/lib/lintas
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/main.js"]
