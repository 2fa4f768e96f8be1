# syntax=docker/dockerfile:1.7
#
# One Dockerfile for every Thread Weaver image.
#
#   service images:  docker build --build-arg SERVICE=command .   (target `service`, the default)
#                    SERVICE is one of command, query, projector, rest-edge
#   jobs image:      docker build --target jobs .                 (create-tables + SQL migrations)
#
# Stages: `manifests` extracts the package.json files (so `npm ci` is cached
# until a dependency changes), `build` generates protobuf/Prisma code and
# compiles everything, `service-deps` / `jobs-deps` install production
# dependencies of one workspace only, and the final stages copy compiled
# JavaScript onto a distroless Node.js image that has no shell and runs as
# uid 65532. Generated code is produced here and never committed.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs20-debian12:nonroot

# --- package manifests only: the cache key for `npm ci` -------------------
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
# find lists every workspace, so a new package needs no Dockerfile change.
RUN mkdir -p /out \
 && cp package.json package-lock.json /out/ \
 && find proto libs services -mindepth 1 -maxdepth 2 -name package.json -not -path '*/node_modules/*' \
      -exec cp --parents {} /out/ \;

# --- full install, code generation, compile -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY proto ./proto
COPY libs ./libs
COPY services ./services
RUN npm run gen && npx tsc -b
# Stage the runtime tree: package.json + dist of every workspace (no sources,
# no tests), plus the files read at run time that are not JavaScript.
RUN set -eu; mkdir -p /out; \
    for d in proto libs/* services/*; do \
      mkdir -p "/out/$d"; cp "$d/package.json" "/out/$d/"; \
      if [ -d "$d/dist" ]; then cp -r "$d/dist" "/out/$d/"; fi; \
    done; \
    find /out -name '*.test.js' -delete -o -name '*.test.d.ts' -delete; \
    mkdir -p /out/proto/gen; cp proto/gen/descriptors.binpb /out/proto/gen/

# --- production dependencies of one service -------------------------------
FROM ${NODE_IMAGE} AS service-deps
ARG SERVICE
WORKDIR /app
COPY --from=manifests /out/ ./
RUN case "${SERVICE:-}" in command|query|projector|rest-edge) ;; \
      *) echo "build arg SERVICE must be one of command, query, projector, rest-edge (got '${SERVICE:-}')" >&2; exit 1;; esac \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace "services/${SERVICE}"

# --- production dependencies of the jobs ----------------------------------
FROM ${NODE_IMAGE} AS jobs-deps
WORKDIR /app
COPY --from=manifests /out/ ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace libs/journal-dynamodb
# dbmate is a tool (a devDependency of readmodel), so take it and its
# platform binary from the full install rather than installing devDependencies.
COPY --from=build /app/node_modules/dbmate ./node_modules/dbmate
COPY --from=build /app/node_modules/@dbmate ./node_modules/@dbmate
COPY --from=build /app/libs/readmodel/migrations ./libs/readmodel/migrations
RUN mkdir -p node_modules/.bin && ln -sf ../dbmate/dist/cli.js node_modules/.bin/dbmate

# --- jobs: create the DynamoDB tables, migrate SQL ------------------------
FROM ${RUNTIME_IMAGE} AS jobs
WORKDIR /app
ENV NODE_ENV=production
COPY --from=jobs-deps /app/node_modules ./node_modules
COPY --from=jobs-deps /app/libs/readmodel/migrations ./libs/readmodel/migrations
COPY --from=build /out/ ./
USER 65532:65532
# The Job manifests choose the command; this default creates the tables.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["libs/journal-dynamodb/dist/create-tables-main.js"]

# --- a service (default target) -------------------------------------------
FROM ${RUNTIME_IMAGE} AS service
ARG SERVICE
WORKDIR /app
ENV NODE_ENV=production
LABEL org.opencontainers.image.title="threadweaver-${SERVICE}" \
      org.opencontainers.image.source="https://github.com/threadweaver/threadweaver"
COPY --from=service-deps /app/node_modules ./node_modules
COPY --from=build /out/ ./
WORKDIR /app/services/${SERVICE}
USER 65532:65532
# Exec form: node is PID 1 and receives SIGTERM directly; each service
# drains and exits 0 on it. Equivalent to the package's `npm start`
# (`node --import ./dist/instrumentation.js dist/main.js`: the OpenTelemetry
# SDK and its ESM loader hook start before the service's modules load)
# without npm in between swallowing signals.
ENTRYPOINT ["/nodejs/bin/node"]
CMD ["--import", "./dist/instrumentation.js", "dist/main.js"]
