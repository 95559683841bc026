# syntax=docker/dockerfile:1
# A third-party image plus a static busybox at /busybox, so that a Compose health check can probe
# it over HTTP: the OpenTelemetry Collector image is distroless (no shell, no wget), and Jaeger's
# does not promise one either. The image itself (entrypoint, user, config) is unchanged.
#   build arg IMAGE: the image to extend, pinned by the compose file
ARG IMAGE
ARG BUSYBOX_IMAGE=busybox:1.36.1-musl

FROM ${BUSYBOX_IMAGE} AS busybox

FROM ${IMAGE}
COPY --from=busybox /bin/busybox /busybox
