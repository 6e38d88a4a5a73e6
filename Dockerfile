# syntax=docker/dockerfile:1
# Multi-stage build: a static tally binary on a distroless base, run as non-root.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/tallyhq/tally/cli.version=${VERSION}" -o /out/tally .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tally /usr/local/bin/tally
USER nonroot:nonroot
# 8080: the signed BambooHR webhook; 9090: admin (/healthz, /readyz, /metrics).
EXPOSE 8080 9090
ENV LISTEN_ADDR=:8080 ADMIN_ADDR=0.0.0.0:9090 LOG_FORMAT=json
ENTRYPOINT ["/usr/local/bin/tally"]
CMD ["run"]
