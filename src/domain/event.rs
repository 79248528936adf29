//! What the history (`events`) records: which kind of thing changed, and how. Stored as text, so
//! the names below are part of the database and must not change; new ones may be added.

stored_names! {
    /// The kind of record an event is about.
    Subject {
        Product => "product",
        NominationBatch => "nomination_batch",
        NominationRow => "nomination_row",
        Incident => "incident",
        User => "user",
        ProductionSite => "production_site",
        ProductBatch => "product_batch",
        TraceStep => "trace_step",
        TraceMedia => "trace_media",
        Organisation => "organisation",
        Policy => "policy",
        Bundle => "bundle",
        Plan => "plan",
        Order => "order",
        Purchase => "purchase",
        Report => "report",
        ReportRound => "report_round",
    }
}

stored_names! {
    /// What happened to it.
    Action {
        Create => "create",
        AddRow => "add_row",
        RemoveRow => "remove_row",
        Edit => "edit",
        Submit => "submit",
        Forward => "forward",
        Return => "return",
        Approve => "approve",
        Reject => "reject",
        List => "list",
        Relist => "relist",
        Suspend => "suspend",
        Delist => "delist",
        Withdraw => "withdraw",
        Open => "open",
        Settle => "settle",
        Enable => "enable",
        Disable => "disable",
        ResetPassword => "reset_password",
        ChangePassword => "change_password",
        SignOut => "sign_out",
        AttachPhoto => "attach_photo",
        AttachPdf => "attach_pdf",
        Correct => "correct",
        Remove => "remove",
        Publish => "publish",
        Retire => "retire",
        AddLine => "add_line",
        ChangeLine => "change_line",
        RemoveLine => "remove_line",
        Substitute => "substitute",
        Confirm => "confirm",
        Cancel => "cancel",
        Import => "import",
        Place => "place",
        Accept => "accept",
        Decline => "decline",
        Ship => "ship",
        Receive => "receive",
        Close => "close",
        Stop => "stop",
        Recall => "recall",
        Record => "record",
        LinkProducts => "link_products",
        Revise => "revise",
        SetDeadline => "set_deadline",
    }
}

impl Action {
    /// How a history line names the action, in the words of the form it happened on.
    pub fn label(self, subject: Subject) -> &'static str {
        use Action::*;
        match (self, subject) {
            (Create, Subject::NominationBatch) => "创建推荐名录",
            (Enable, Subject::Policy) => "恢复执行",
            (Disable, Subject::Policy) => "停用政策",
            (Create, _) => "新增",
            (AddRow, _) => "添加一行",
            (RemoveRow, _) => "删除一行",
            (Edit, _) => "修改",
            (Submit, Subject::Report) => "上报省总工会",
            (Accept, Subject::Report) => "采用",
            (Submit, _) => "提交市总工会",
            (Forward, _) => "报送省总工会",
            (Return, Subject::NominationBatch) => "退回县区修改",
            (Return, _) => "退回修改",
            (Approve, _) => "审核通过，列入目录",
            (Reject, _) => "不予通过",
            (List, _) => "审核通过，列入目录",
            (Relist, _) => "恢复（调查结束）",
            (Suspend, _) => "暂停（调查中）",
            (Delist, _) => "清出目录",
            (Withdraw, _) => "撤回",
            (Open, _) => "登记质量事件",
            (Settle, _) => "处理质量事件",
            (Enable, _) => "启用账号",
            (Disable, _) => "停用账号",
            (ResetPassword, _) => "重置密码",
            (ChangePassword, _) => "修改密码",
            (SignOut, _) => "退出登录",
            (AttachPhoto, _) => "上传照片",
            (AttachPdf, _) => "上传检测报告",
            (Correct, _) => "更正",
            (Remove, _) => "删除",
            (Publish, _) => "发布",
            (Retire, _) => "停用",
            (AddLine, _) => "添加产品",
            (ChangeLine, _) => "修改数量",
            (RemoveLine, _) => "移除产品",
            (Substitute, _) => "替换产品",
            (Confirm, _) => "确认计划",
            (Cancel, _) => "取消",
            (Import, _) => "批量导入",
            (Place, _) => "下单",
            (Accept, _) => "接单",
            (Decline, _) => "拒单",
            (Ship, _) => "发货",
            (Receive, _) => "确认收货",
            (Close, _) => "完成",
            (Stop, _) => "叫停（批次召回）",
            (Recall, _) => "召回批次",
            (Record, _) => "登记采购",
            (LinkProducts, _) => "关联代销产品",
            (Revise, _) => "新建更正版本",
            (SetDeadline, _) => "设定上报截止日期和扶贫采购比例",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_itself() {
        for s in Subject::ALL {
            assert_eq!(Subject::parse(s.as_str()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Action::parse("bogus"), None);
    }

    #[test]
    fn stored_names_are_distinct() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}
