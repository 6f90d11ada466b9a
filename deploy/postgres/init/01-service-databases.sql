-- docker-compose only: one role and one database per service, each role owning its database and
-- unable to connect to the others'. Production uses managed PostgreSQL with the same layout
-- (see deploy/README.md); the passwords below are development values.
CREATE ROLE budget LOGIN PASSWORD 'budget-dev-password';
CREATE DATABASE budget OWNER budget;
REVOKE CONNECT ON DATABASE budget FROM PUBLIC;

CREATE ROLE approval LOGIN PASSWORD 'approval-dev-password';
CREATE DATABASE approval OWNER approval;
REVOKE CONNECT ON DATABASE approval FROM PUBLIC;

CREATE ROLE erp_connector LOGIN PASSWORD 'erp-connector-dev-password';
CREATE DATABASE erp_connector OWNER erp_connector;
REVOKE CONNECT ON DATABASE erp_connector FROM PUBLIC;

CREATE ROLE notification LOGIN PASSWORD 'notification-dev-password';
CREATE DATABASE notification OWNER notification;
REVOKE CONNECT ON DATABASE notification FROM PUBLIC;
