-- The first successful answer per Idempotency-Key (Http/Commands.cs), written in the same
-- transaction as the command's events. Every service that takes commands needs it.
create table if not exists idempotency (
    tenant      text   not null,
    key         text   not null,
    fingerprint bytea  not null,
    status      int    not null,
    body        text   not null,
    location    text,
    version     bigint not null,
    created_at  timestamptz not null default now(),
    primary key (tenant, key)
);
