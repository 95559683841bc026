-- Registry read models and reference data.

-- The tenant's units (unit kerja / OPD) and JRA record classes: reference data managed through
-- the API (PUT by code), plain tables rather than streams (see ReferenceData/ReferenceDataApi.cs).
create table units (
    tenant     text not null,
    code       text not null,
    name       text not null,
    updated_at timestamptz not null,
    primary key (tenant, code)
);

create table record_classes (
    tenant         text not null,
    code           text not null,
    name           text not null,
    active_years   int  not null check (active_years >= 0),
    inactive_years int  not null check (inactive_years >= 0),
    disposition    text not null check (disposition in ('destroy', 'review', 'permanent')),
    updated_at     timestamptz not null,
    primary key (tenant, code)
);

-- (Also created by the event store migration 0003 since the platform took over idempotency.)
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

-- Items read model, maintained inline (ItemsProjection): filter columns plus the item's state as
-- the detail document. Item ids are UUIDv7, so ordering by id is registration order and paging
-- by "after this id" is stable while items are added.
create table items (
    item_id      uuid   primary key,
    tenant       text   not null,
    holding_unit text   not null,
    status       text   not null,
    title        text   not null,
    summary      text   not null,
    version      bigint not null,
    updated_at   timestamptz not null,
    state        jsonb  not null
);

create index items_tenant_id on items (tenant, item_id);
create index items_tenant_unit on items (tenant, holding_unit, item_id);
