# Bender's image: `docker build -t bender .` then run with the settings of
# docs/settings.md in the environment (PRIVATE_KEY_PATH pointing at a mounted
# secret) for `serve`, or docs/sync.md for `sync`. Two stages: the build needs
# TypeScript, the image does not.
#
# `bender sync` renders kustomize folders with `kubectl kustomize`, so the image
# carries kubectl: copied from the Kubernetes project's own kubectl image
# (registry.k8s.io, multi-arch, signed), not downloaded by a script. Keep its
# minor version within one of your clusters' (kubectl's skew policy).
ARG KUBECTL_VERSION=v1.32.3
FROM registry.k8s.io/kubectl:${KUBECTL_VERSION} AS kubectl

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY bin ./bin
COPY --from=build /app/dist ./dist
COPY app.yml ./
COPY --from=kubectl /bin/kubectl /usr/local/bin/kubectl
# Numeric, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/bender.js"]
CMD ["serve"]
