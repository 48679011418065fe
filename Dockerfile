# syntax=docker/dockerfile:1
# Multi-stage build: a static binary on an empty base, run as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/referee ./cmd/referee \
 && echo "referee:x:10001:10001:referee:/:/sbin/nologin" > /out/passwd

FROM scratch
COPY --from=build /out/passwd /etc/passwd
# CA certificates for the citation verifier's live mode (https).
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/referee /referee
USER 10001:10001
ENV REFEREE_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 CMD ["/referee", "healthcheck"]
ENTRYPOINT ["/referee"]
CMD ["serve"]
