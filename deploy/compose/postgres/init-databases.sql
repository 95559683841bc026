-- Runs once, when the PostgreSQL volume is first initialised (docker-entrypoint-initdb.d), as the
-- POSTGRES_USER the compose file sets (the development role "ppid"). One database per service;
-- each service applies its own migrations at start-up.
create database ppid_registry;
create database ppid_classification;
create database ppid_publication;
create database ppid_archive;
create database ppid_gateway;
