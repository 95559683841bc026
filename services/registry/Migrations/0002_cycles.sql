-- DIP update cycles: read model, receipt counters, and the tenant's time standards and calendar.

-- Cycles read model, maintained inline (CyclesProjection): filter columns plus the cycle's state
-- as the detail document. One cycle per period name per tenant (case-insensitive).
create table cycles (
    cycle_id   uuid   primary key,
    tenant     text   not null,
    period     text   not null,
    year       int    not null,
    status     text   not null,
    version    bigint not null,
    opened_at  timestamptz not null,
    updated_at timestamptz not null,
    state      jsonb  not null
);

create unique index cycles_tenant_period on cycles (tenant, lower(period));
create index cycles_tenant_id on cycles (tenant, cycle_id);

-- Receipt (tanda terima) numbers: the last number given per tenant and year. Updated in the
-- submission's own transaction, so a failed submission gives its number back and concurrent
-- submissions queue on the row.
create table receipt_counters (
    tenant      text not null,
    year        int  not null,
    last_number int  not null,
    primary key (tenant, year)
);

-- The tenant's SOP time standards (absent: seed 000's defaults, in code).
create table sop_profiles (
    tenant     text primary key,
    steps      jsonb not null,
    updated_at timestamptz not null
);

-- The tenant's working-day calendar (absent: Asia/Jakarta, 08:00-16:00) and holidays.
create table work_calendars (
    tenant       text primary key,
    time_zone    text not null,
    office_start time not null,
    office_end   time not null check (office_end > office_start),
    updated_at   timestamptz not null
);

create table holidays (
    tenant     text not null,
    date       date not null,
    name       text not null,
    updated_at timestamptz not null,
    primary key (tenant, date)
);
