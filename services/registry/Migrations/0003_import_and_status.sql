-- Spreadsheet import (Importing/) and the item's status as other services report it (Status/).

-- One row per import: who sent which file (SHA-256) and what came of it, for the audit trail.
create table imports (
    import_id   uuid        primary key,
    tenant      text        not null,
    file_sha256 text        not null,
    file_name   text,
    format      text        not null check (format in ('csv', 'xlsx')),
    mode        text        not null check (mode in ('all', 'valid-rows')),
    report      jsonb       not null,
    actor       text,
    imported_at timestamptz not null
);

create index imports_tenant_file on imports (tenant, file_sha256);

-- Every row ever imported, by the SHA-256 of its validated content: a row seen before (in this
-- file or an earlier one) is a duplicate and registers nothing, so importing a file twice is harmless.
create table imported_rows (
    tenant    text   not null,
    row_sha256 text  not null,
    item_id   uuid   not null,
    import_id uuid   not null references imports (import_id),
    line      int    not null,
    primary key (tenant, row_sha256)
);

-- The item's classification and publication as classification and publication report them
-- (Status/StatusHandler.cs). A row exists once either service said something about the item.
create table item_status (
    tenant              text   not null,
    item_id             uuid   not null,
    category            text,
    interval_months     int,
    classification_id   uuid,
    classified_at       timestamptz,
    opened_reason       text,
    list                text check (list in ('dip', 'dik')),
    edition_number      int,
    edition_id          uuid,
    edition_date        date,
    published_at        timestamptz,
    published_serta_merta_at timestamptz,
    primary key (tenant, item_id)
);

create index item_status_category on item_status (tenant, category, item_id);

-- The tenant's latest published edition: an item whose last edition is older is no longer on the public DIP.
create table latest_editions (
    tenant       text        primary key,
    number       int         not null,
    edition_id   uuid        not null,
    published_at timestamptz not null
);

-- What happened to the item elsewhere, in the order it was applied: one row per event applied,
-- with no uniqueness on the event id, because exactly-once is the inbox's job (and tested).
create table item_status_history (
    id        bigint generated always as identity primary key,
    tenant    text        not null,
    item_id   uuid        not null,
    event_id  uuid        not null,
    event     text        not null,
    detail    text        not null,
    at        timestamptz not null
);

create index item_status_history_item on item_status_history (tenant, item_id, id);

create index items_tenant_status on items (tenant, status, item_id);

-- Expired Idempotency-Key answers are deleted by age (platform/Http/Commands.cs, IdempotencyCleanup).
create index if not exists idempotency_created_at on idempotency (created_at);
