-- One database per service and hub (no service reads another's database).
CREATE DATABASE exchange_national;
CREATE DATABASE exchange_h48;
CREATE DATABASE exchange_h41;
CREATE DATABASE tasks;
CREATE DATABASE reporting;
