-- Classification read models.

-- Items the registry told us about (consumed from registry.item events): enough to check a
-- proposal (the item exists for the tenant, is not withdrawn, its kind for Pasal 18).
create table known_items (
    tenant     text   not null,
    item_id    uuid   not null,
    title      text   not null,
    kind       text   not null,
    withdrawn  boolean not null default false,
    version    bigint not null,
    primary key (tenant, item_id)
);

-- Items accepted in a DIP update cycle whose collection closed (registry.cycle CollectionClosed):
-- the worklist of items awaiting classification, per cycle.
create table worklist (
    tenant       text   not null,
    cycle_id     uuid   not null,
    period       text   not null,
    item_id      uuid   not null,
    item_version bigint not null,
    holding_unit text   not null,
    closed_at    timestamptz not null,
    primary key (tenant, cycle_id, item_id)
);

-- Classifications, maintained inline (ClassificationsProjection). status is the stream's status,
-- or 'superseded' once a ratified reclassification replaced it. At most one classification of an
-- item is in progress at a time (the partial unique index settles concurrent proposals).
create table classifications (
    classification_id uuid   primary key,
    tenant            text   not null,
    item_id           uuid   not null,
    status            text   not null,
    category          text   not null,
    supersedes        uuid,
    superseded_by     uuid,
    exempt_until      date,
    opening_due       boolean not null default false,
    version           bigint not null,
    updated_at        timestamptz not null,
    state             jsonb  not null
);

create index classifications_tenant_item on classifications (tenant, item_id, classification_id);
create index classifications_tenant_status on classifications (tenant, status, classification_id);
create unique index classifications_one_in_progress on classifications (tenant, item_id)
    where status in ('in-consultation', 'correction-requested', 'agreed', 'determined');
