# responses-server: build with the dev dependencies, run with the production ones only, as a non-root user.
#   docker build -t responses-server .
#   docker run -p 8000:8000 -e DATABASE_URL=postgres://… -e UPSTREAM_BASE_URL=http://… responses-server

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npx nest build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded Postgres and model files (when DATABASE_URL or UPSTREAM_BASE_URL is unset) live under DATA_DIR.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8000
# Liveness; a load balancer should route by /ready (503 while the database is down or the replica drains).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains: running jobs get SHUTDOWN_GRACE_MS, then go back to the queue (give the container that long to stop).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
