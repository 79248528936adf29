// The database schema as diesel sees it. Written to match migrations/sqlite, the same for both
// backends (portable column types only); regenerate with `diesel print-schema` against SQLite.

diesel::table! {
    cities (code) {
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    counties (code) {
        code -> Text,
        name -> Text,
        city_code -> Text,
        former_poverty_county -> Bool,
        poverty_exit_year -> Nullable<Integer>,
    }
}

diesel::table! {
    organisations (id) {
        id -> Integer,
        name -> Text,
        kind -> Text,
        city_code -> Nullable<Text>,
        county_code -> Nullable<Text>,
        parent_id -> Nullable<Integer>,
        created_at -> Timestamp,
        members -> Nullable<Integer>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        festival_standard_fen -> Nullable<BigInt>,
        supplier_id -> Nullable<Integer>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
        organisation_id -> Integer,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        active -> Bool,
        must_change_password -> Bool,
        created_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
        session_version -> Integer,
    }
}

diesel::table! {
    suppliers (id) {
        id -> Integer,
        credit_code -> Text,
        name -> Text,
        county_code -> Text,
        address -> Nullable<Text>,
        contact_name -> Text,
        contact_phone -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> Integer,
        catalogue_code -> Text,
        name -> Text,
        supplier_id -> Integer,
        county_code -> Text,
        category -> Text,
        specification -> Text,
        unit_price_fen -> BigInt,
        annual_output_milli -> BigInt,
        annual_output_unit -> Text,
        poor_people_supported -> Integer,
        national_catalogue_no -> Text,
        gtin -> Nullable<Text>,
        poverty_region_kind -> Text,
        poverty_region_note -> Nullable<Text>,
        description -> Text,
        listing_status -> Text,
        status_changed_at -> Timestamp,
        listed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        trademark -> Text,
    }
}

diesel::table! {
    product_certificates (id) {
        id -> Integer,
        product_id -> Integer,
        kind -> Text,
        number -> Text,
        valid_until -> Nullable<Date>,
    }
}

diesel::table! {
    catalogue_serials (county_code) {
        county_code -> Text,
        last_serial -> Integer,
    }
}

diesel::table! {
    events (id) {
        id -> Integer,
        entity_kind -> Text,
        entity_id -> Integer,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        actor_user_id -> Nullable<Integer>,
        actor_label -> Text,
        reason -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::joinable!(counties -> cities (city_code));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(suppliers -> counties (county_code));
diesel::joinable!(products -> suppliers (supplier_id));
diesel::joinable!(products -> counties (county_code));
diesel::joinable!(product_certificates -> products (product_id));
diesel::joinable!(events -> users (actor_user_id));

diesel::table! {
    login_throttle (key) {
        key -> Text,
        attempts -> Integer,
        next_allowed_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policies (id) {
        id -> Integer,
        name -> Text,
        document_no -> Text,
        cap_fen -> Nullable<BigInt>,
        valid_from -> Date,
        valid_to -> Date,
        on_top_of_festival -> Bool,
        region_kinds -> Text,
        province_only -> Bool,
        channels -> Text,
        gift_form -> Text,
        note -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bundles (id) {
        id -> Integer,
        name -> Text,
        festival -> Text,
        year -> Integer,
        description -> Text,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bundle_lines (id) {
        id -> Integer,
        bundle_id -> Integer,
        product_id -> Integer,
        quantity_per_person -> Integer,
        published_price_fen -> Nullable<BigInt>,
        position -> Integer,
    }
}

diesel::table! {
    plans (id) {
        id -> Integer,
        organisation_id -> Integer,
        policy_id -> Integer,
        bundle_id -> Nullable<Integer>,
        name -> Text,
        festival -> Text,
        year -> Integer,
        headcount -> Integer,
        status -> Text,
        per_person_fen -> Nullable<BigInt>,
        total_fen -> Nullable<BigInt>,
        confirmed_at -> Nullable<Timestamp>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    plan_lines (id) {
        id -> Integer,
        plan_id -> Integer,
        product_id -> Integer,
        quantity_per_person -> Integer,
        unit_price_fen -> BigInt,
        position -> Integer,
    }
}

diesel::joinable!(bundle_lines -> bundles (bundle_id));
diesel::joinable!(bundle_lines -> products (product_id));
diesel::joinable!(plans -> organisations (organisation_id));
diesel::joinable!(plans -> policies (policy_id));
diesel::joinable!(plan_lines -> plans (plan_id));
diesel::joinable!(plan_lines -> products (product_id));

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    nomination_batches (id) {
        id -> Integer,
        county_code -> Text,
        organisation_id -> Integer,
        title -> Text,
        status -> Text,
        source -> Text,
        source_filename -> Nullable<Text>,
        recommending_unit -> Nullable<Text>,
        filled_by -> Nullable<Text>,
        filled_by_phone -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    nomination_rows (id) {
        id -> Integer,
        batch_id -> Integer,
        row_no -> Integer,
        supplier_name -> Text,
        credit_code -> Nullable<Text>,
        product_name -> Text,
        annual_output_milli -> Nullable<BigInt>,
        annual_output_unit -> Nullable<Text>,
        poor_people_supported -> Nullable<Integer>,
        contact_name -> Text,
        contact_phone -> Nullable<Text>,
        category -> Nullable<Text>,
        specification -> Nullable<Text>,
        unit_price_fen -> Nullable<BigInt>,
        national_catalogue_no -> Nullable<Text>,
        gtin -> Nullable<Text>,
        certificates -> Nullable<Text>,
        poverty_region_kind -> Nullable<Text>,
        poverty_region_note -> Nullable<Text>,
        review_status -> Text,
        review_reason -> Text,
        product_id -> Nullable<Integer>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    quality_incidents (id) {
        id -> Integer,
        product_id -> Integer,
        lot_code -> Nullable<Text>,
        occurred_on -> Date,
        source -> Text,
        description -> Text,
        status -> Text,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
        settled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    search_changes (id) {
        id -> Integer,
        product_id -> Integer,
        changed_at -> Timestamp,
    }
}

diesel::joinable!(search_changes -> products (product_id));
diesel::joinable!(nomination_batches -> counties (county_code));
diesel::joinable!(nomination_batches -> organisations (organisation_id));
diesel::joinable!(nomination_rows -> nomination_batches (batch_id));
diesel::joinable!(nomination_rows -> products (product_id));
diesel::joinable!(quality_incidents -> products (product_id));

diesel::table! {
    production_sites (id) {
        id -> Integer,
        product_id -> Integer,
        name -> Text,
        place -> Text,
        altitude_m -> Nullable<Integer>,
        description -> Text,
        created_at -> Timestamp,
        version -> Integer,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Nullable<Text>,
    }
}

diesel::table! {
    product_batches (id) {
        id -> Integer,
        product_id -> Integer,
        lot_code -> Text,
        produced_on -> Nullable<Date>,
        packed_on -> Nullable<Date>,
        quantity_milli -> Nullable<BigInt>,
        quantity_unit -> Nullable<Text>,
        origin -> Text,
        inspection_result -> Text,
        inspection_note -> Text,
        created_at -> Timestamp,
        version -> Integer,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Nullable<Text>,
        result_corrected_at -> Nullable<Timestamp>,
        result_was -> Nullable<Text>,
    }
}

diesel::table! {
    trace_steps (id) {
        id -> Integer,
        product_id -> Integer,
        batch_id -> Nullable<Integer>,
        occurred_on -> Date,
        stage -> Text,
        description -> Text,
        created_at -> Timestamp,
        version -> Integer,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Nullable<Text>,
    }
}

diesel::table! {
    trace_media (id) {
        id -> Integer,
        product_id -> Integer,
        owner_kind -> Text,
        owner_id -> Integer,
        kind -> Text,
        path -> Text,
        thumb_path -> Nullable<Text>,
        thumb_width -> Nullable<Integer>,
        thumb_height -> Nullable<Integer>,
        caption -> Text,
        created_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        removed_reason -> Nullable<Text>,
    }
}

diesel::table! {
    scan_counts (product_id, batch_id, day) {
        product_id -> Integer,
        batch_id -> Integer,
        day -> Date,
        scans -> BigInt,
    }
}

diesel::joinable!(production_sites -> products (product_id));
diesel::joinable!(product_batches -> products (product_id));
diesel::joinable!(trace_steps -> products (product_id));
diesel::joinable!(trace_steps -> product_batches (batch_id));
diesel::joinable!(trace_media -> products (product_id));
diesel::joinable!(scan_counts -> products (product_id));

diesel::table! {
    seller_products (seller_id, product_id) {
        seller_id -> Integer,
        product_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> Integer,
        plan_id -> Integer,
        organisation_id -> Integer,
        seller_id -> Integer,
        policy_id -> Integer,
        headcount -> Integer,
        total_fen -> BigInt,
        delivery_address -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        status -> Text,
        placed_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    order_lines (id) {
        id -> Integer,
        order_id -> Integer,
        product_id -> Integer,
        quantity -> Integer,
        unit_price_fen -> BigInt,
        received_quantity -> Nullable<Integer>,
        position -> Integer,
    }
}

diesel::table! {
    shipment_lots (id) {
        id -> Integer,
        order_line_id -> Integer,
        batch_id -> Integer,
        quantity -> Integer,
        order_id -> Integer,
        organisation_id -> Integer,
        headcount -> Integer,
    }
}

diesel::table! {
    purchases (id) {
        id -> Integer,
        organisation_id -> Integer,
        policy_id -> Integer,
        order_id -> Nullable<Integer>,
        purchased_on -> Date,
        channel -> Text,
        channel_name -> Text,
        seller_id -> Nullable<Integer>,
        seller_name -> Text,
        amount_fen -> BigInt,
        people -> Integer,
        note -> Text,
        evidence_path -> Nullable<Text>,
        evidence_kind -> Nullable<Text>,
        created_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    purchase_lines (id) {
        id -> Integer,
        purchase_id -> Integer,
        product_id -> Nullable<Integer>,
        name -> Text,
        quantity -> Integer,
        amount_fen -> BigInt,
    }
}

diesel::table! {
    lot_recalls (id) {
        id -> Integer,
        batch_id -> Integer,
        product_id -> Integer,
        reason -> Text,
        notice_no -> Text,
        failed_item -> Text,
        result -> Text,
        limit_value -> Text,
        testing_body -> Text,
        recalled_at -> Timestamp,
        recalled_by -> Nullable<Integer>,
    }
}

diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(order_lines -> products (product_id));
diesel::joinable!(shipment_lots -> order_lines (order_line_id));
diesel::joinable!(shipment_lots -> product_batches (batch_id));
diesel::joinable!(purchase_lines -> purchases (purchase_id));
diesel::joinable!(purchases -> policies (policy_id));
diesel::joinable!(lot_recalls -> product_batches (batch_id));
diesel::joinable!(orders -> plans (plan_id));
diesel::joinable!(orders -> policies (policy_id));

diesel::table! {
    report_rounds (year) {
        year -> Integer,
        deadline -> Date,
        poverty_share_percent -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Integer,
        organisation_id -> Integer,
        year -> Integer,
        version -> Integer,
        status -> Text,
        filled_unit -> Text,
        filled_by -> Text,
        contact_phone -> Text,
        source -> Text,
        source_filename -> Nullable<Text>,
        return_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    report_rows (id) {
        id -> Integer,
        report_id -> Integer,
        position -> Integer,
        union_name -> Text,
        grassroots_unions -> BigInt,
        members -> BigInt,
        festival_standard_yuan -> BigInt,
        festival_total_yuan -> BigInt,
        planned_poverty_yuan -> BigInt,
        note -> Text,
    }
}

diesel::joinable!(report_rows -> reports (report_id));
diesel::joinable!(reports -> organisations (organisation_id));

diesel::table! {
    purchase_stats_monthly (reporting_union_id, city_code, month, channel) {
        reporting_union_id -> Integer,
        city_code -> Text,
        month -> Integer,
        channel -> Text,
        amount_fen -> BigInt,
        people -> BigInt,
        purchases -> BigInt,
    }
}

diesel::table! {
    purchase_stats_products (year, product_county, reporting_union_id, category) {
        year -> Integer,
        reporting_union_id -> Integer,
        product_county -> Text,
        category -> Text,
        amount_fen -> BigInt,
        quantity -> BigInt,
    }
}

diesel::table! {
    purchase_stats_by_product (year, product_id) {
        year -> Integer,
        product_id -> Integer,
        amount_fen -> BigInt,
        quantity -> BigInt,
    }
}

diesel::table! {
    purchase_stats_helped (year, county_code) {
        year -> Integer,
        county_code -> Text,
        products -> BigInt,
        poor_people -> BigInt,
    }
}

diesel::table! {
    media_files (name) {
        name -> Text,
        sha256 -> Text,
        content_type -> Text,
        byte_size -> BigInt,
        bytes -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    search_log_servers (server_id) {
        server_id -> Text,
        applied_change -> Integer,
        seen_at -> Timestamp,
    }
}

diesel::table! {
    search_log_pruned (id) {
        id -> Integer,
        through_change -> Integer,
        pruned_at -> Timestamp,
    }
}

diesel::table! {
    product_versions (id) {
        id -> Integer,
        product_id -> Integer,
        valid_from -> Timestamp,
        valid_to -> Nullable<Timestamp>,
        recorded_at -> Timestamp,
        change_kind -> Text,
        reason -> Text,
        lot_code -> Nullable<Text>,
        listing_status -> Text,
        catalogue_code -> Text,
        name -> Text,
        category -> Text,
        specification -> Text,
        unit_price_fen -> BigInt,
        county_code -> Text,
        supplier_name -> Text,
        trademark -> Text,
        details_before -> Nullable<Text>,
    }
}

diesel::joinable!(product_versions -> products (product_id));

diesel::table! {
    listing_spans (id) {
        id -> Integer,
        product_id -> Integer,
        listed_from -> Timestamp,
        listed_to -> Nullable<Timestamp>,
        catalogue_code -> Text,
        county_code -> Text,
        category -> Text,
    }
}

diesel::table! {
    notices (id) {
        id -> Integer,
        number -> Text,
        version_id -> Integer,
        product_id -> Integer,
        kind -> Text,
        issued_at -> Timestamp,
        lot_code -> Nullable<Text>,
        produced_on -> Nullable<Date>,
        failed_item -> Text,
        result -> Text,
        limit_value -> Text,
        testing_body -> Text,
        source -> Text,
        source_notice_no -> Text,
        reason -> Text,
        corrects_id -> Nullable<Integer>,
        correction_note -> Text,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawal_reason -> Text,
        product_name -> Text,
        specification -> Text,
        trademark -> Text,
        supplier_name -> Text,
        supplier_address -> Nullable<Text>,
    }
}

diesel::joinable!(notices -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    purchase_stats_helped,
    purchase_stats_monthly,
    purchase_stats_products,
    purchase_stats_by_product,
    report_rounds,
    reports,
    report_rows,
    seller_products,
    orders,
    order_lines,
    shipment_lots,
    purchases,
    purchase_lines,
    lot_recalls,
    app_secrets,
    policies,
    bundles,
    bundle_lines,
    plans,
    plan_lines,
    login_throttle,
    cities,
    counties,
    organisations,
    users,
    suppliers,
    products,
    product_certificates,
    catalogue_serials,
    events,
    nomination_batches,
    nomination_rows,
    quality_incidents,
    search_changes,
    production_sites,
    product_batches,
    trace_steps,
    trace_media,
    scan_counts,
    media_files,
    search_log_servers,
    search_log_pruned,
    product_versions,
    notices,
);
