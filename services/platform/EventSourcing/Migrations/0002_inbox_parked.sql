-- Events that arrived ahead of an earlier version of their stream. They wait here (durably, acked
-- on the broker) and are applied, in order, in the transaction that applies the version before them.
create table inbox_parked (
    consumer        text        not null,
    stream_id       text        not null,
    stream_version  bigint      not null,
    event_id        uuid        not null,
    type            text        not null,
    schema_version  int         not null,
    global_position bigint      not null,
    transaction_id  text        not null,
    tenant          text        not null,
    recorded_at     timestamptz not null,
    hash            bytea       not null,
    source_service  text        not null,
    data            text        not null,
    metadata        text        not null,
    parked_at       timestamptz not null default now(),
    primary key (consumer, stream_id, stream_version)
);
