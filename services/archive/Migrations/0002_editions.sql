-- Archived editions: the immutable record of each published DIP edition.
create table archived_editions (
    edition_id        uuid        primary key,
    tenant            text        not null,
    number            int         not null,
    effective_date    date        not null,
    published_at      timestamptz not null,
    published_by      text        not null,
    -- The edition as published (canonical JSON of the event's data) and its rendered document.
    -- Disposal deletes both and keeps their hashes.
    content           text,
    content_sha256    text        not null,
    declared_hash     text        not null,
    pdf               bytea,
    pdf_sha256        text        not null,
    record_class      text,
    disposition       text        not null check (disposition in ('permanent', 'destroy', 'review')),
    retain_until      date,
    legal_hold        boolean     not null default false,
    ledger_sequence   bigint      not null,
    root_hash         text        not null,
    archived_at       timestamptz not null,
    disposed_at       timestamptz,
    disposal_decision text,
    disposal_approver text,
    disposed_by       text
);
create index archived_editions_tenant on archived_editions (tenant, number);

-- The tenant's JRA record class for DIP editions. Without one, editions are kept permanently.
create table retention_settings (
    tenant         text        primary key,
    record_class   text        not null,
    active_years   int         not null check (active_years >= 0),
    inactive_years int         not null check (inactive_years >= 0),
    disposition    text        not null check (disposition in ('permanent', 'destroy', 'review')),
    updated_at     timestamptz not null
);
