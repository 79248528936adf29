DROP TABLE report_rows;
DROP TABLE reports;
DROP TABLE report_rounds;
