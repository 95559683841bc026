-- API keys of the client systems. Only the SHA-256 of a key is kept (see gateway/README.md).
create table api_keys (
    id          uuid primary key,
    tenant      text not null,
    client_name text not null,
    scopes      text[] not null,
    key_hash    bytea not null unique,
    key_prefix  text not null,
    created_at  timestamptz not null,
    expires_at  timestamptz,          -- set when rotated: the end of the grace period
    revoked_at  timestamptz,
    replaced_by uuid references api_keys (id)
);
create index api_keys_tenant on api_keys (tenant, created_at);
