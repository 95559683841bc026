create table account_balances (account_id text primary key, owner text not null, balance numeric not null, deposits int not null);
create table account_balances_async (account_id text primary key, owner text not null, balance numeric not null, deposits int not null);
