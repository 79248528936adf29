DROP INDEX search_changes_changed_at;
DROP TABLE search_log_pruned;
DROP TABLE search_log_servers;
DROP TABLE media_files;
