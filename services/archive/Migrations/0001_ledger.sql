-- The audit ledger: every event of every service, verbatim, with the hash its source computed.
-- Stream ids are unique only within a service, so streams are keyed by (source service, stream id).
create table ledger (
    sequence              bigint      generated always as identity primary key,
    source_service        text        not null,
    event_id              uuid        not null,
    stream_id             text        not null,
    stream_version        bigint      not null,
    source_position       bigint      not null,
    source_transaction_id text        not null,
    type                  text        not null,
    schema_version        int         not null,
    -- Verbatim text as received (hashes cover the canonical form, so jsonb would do too; text keeps it exact).
    data                  text        not null,
    metadata              text        not null,
    recorded_at           timestamptz not null,
    tenant                text        not null,
    hash                  bytea       not null,
    -- False when the event did not chain onto its stream's previous ledger entry on arrival (see ledger_breaks).
    chain_intact          boolean     not null,
    received_at           timestamptz not null,
    unique (source_service, event_id),
    unique (source_service, stream_id, stream_version)
);
create index ledger_tenant_recorded on ledger (tenant, recorded_at, sequence);
create index ledger_tenant_type on ledger (tenant, type, sequence);

-- Each stream's head as it arrived: version and source hash. Verification compares what the
-- stored rows chain to with these heads (a row deleted at a stream's end is caught here).
create table ledger_streams (
    source_service text   not null,
    stream_id      text   not null,
    tenant         text   not null,
    version        bigint not null,
    last_hash      bytea  not null,
    primary key (source_service, stream_id)
);

-- Every ledger row that names an item (itemId anywhere in its data): an item's history is one query.
create table ledger_items (
    tenant   text   not null,
    item_id  uuid   not null,
    sequence bigint not null references ledger (sequence) on delete cascade,
    primary key (tenant, item_id, sequence)
);

-- Chain breaks found on arrival: recorded and raised, never silently accepted.
create table ledger_breaks (
    id             bigint      generated always as identity primary key,
    tenant         text        not null,
    source_service text        not null,
    stream_id      text        not null,
    stream_version bigint      not null,
    event_id       uuid        not null,
    reason         text        not null,
    detected_at    timestamptz not null
);
create index ledger_breaks_tenant on ledger_breaks (tenant, id);
