-- Publication read models.

-- The catalog: what publication knows of each item from the registry and classification events.
-- `details` and `ratified` hold private content (the item's summary and tags, the full
-- consequence test): they feed the draft builder only, never a page or an export.
create table catalog (
    item_id          uuid primary key,
    tenant           text not null,
    details          jsonb,                 -- ItemDetails (null until the registry's event arrives)
    withdrawn        boolean not null default false,
    item_updated_at  timestamptz,           -- the registry's last change of the item (berkala overdue)
    ratified         jsonb,                 -- the ClassificationRatified in force (null: not classified)
    ratified_at      timestamptz,
    opened           jsonb,                 -- ExemptItemOpened of the classification in force, if any
    opened_at        timestamptz,
    entry_published_for uuid                -- the serta-merta classification already published (fast path)
);
create index catalog_tenant on catalog (tenant);

-- Published editions: the EditionPublished event as published (the public content) plus what
-- the archive reported back. Pages and exports are served from here.
create table editions (
    tenant          text not null,
    number          int  not null,
    edition_id      uuid not null unique,
    effective_date  date not null,
    published_at    timestamptz not null,
    content_hash    text not null,
    edition         jsonb not null,
    ledger_root_hash text,
    ledger_position bigint,
    archived_at     timestamptz,
    primary key (tenant, number)
);

-- Serta-merta entries published the moment they were ratified (EntryPublished), first on the website.
create table serta_merta (
    item_id         uuid primary key,
    tenant          text not null,
    classification_id uuid not null,
    entry           jsonb not null,
    published_at    timestamptz not null
);
create index serta_merta_tenant on serta_merta (tenant, published_at desc);

-- One row per tenant known to publication; `version` moves whenever what the public sees changes
-- (edition, serta-merta entry, opening, archive receipt), and drives ETag and the output cache key.
create table site_state (
    tenant      text primary key,
    version     bigint not null,
    changed_at  timestamptz not null
);
