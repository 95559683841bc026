# syntax=docker/dockerfile:1
# The OpenTelemetry Collector image is distroless (no shell, no wget), so a container health
# check has nothing to run. This adds a static busybox only to probe the collector's
# health_check extension (port 13133); the collector itself is unchanged.
ARG OTEL_COLLECTOR_IMAGE=otel/opentelemetry-collector-contrib:0.114.0
ARG BUSYBOX_IMAGE=busybox:1.36.1-musl

FROM ${BUSYBOX_IMAGE} AS busybox

FROM ${OTEL_COLLECTOR_IMAGE}
COPY --from=busybox /bin/busybox /busybox
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=5 CMD ["/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:13133/"]
