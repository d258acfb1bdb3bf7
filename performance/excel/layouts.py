"""The columns of the files we read and write, with the header spellings accepted for each."""

from .reader import Column, Layout

UNIT = Column("单位名称", ("预算单位", "预算单位名称"), required=True, scope="unit")
UNIT_CODE = Column("单位代码", ("预算单位代码", "单位编码"), scope="unit")
PROJECT = Column("项目名称", ("项目", "预算项目名称"), required=True, scope="project")
BUDGET = Column("预算数", ("预算金额", "项目预算数", "年度预算数", "预算资金"),
                scope="project")
GOAL = Column("年度目标", ("年度绩效目标", "项目年度目标", "总体目标"), scope="project")
LEVEL1 = Column("一级指标", required=True)
LEVEL2 = Column("二级指标", required=True)
NAME = Column("三级指标", ("指标名称", "三级指标名称"), required=True)
OPERATOR = Column("指标性质", ("指标属性", "指标类型", "运算符号"))
TARGET = Column("指标值", ("年度指标值", "目标值", "年度目标值", "指标目标值"))
MEASURE = Column("度量单位", ("计量单位",))
WEIGHT = Column("权重", ("分值", "指标分值", "指标权重"))
DIRECTION = Column("指标方向性", ("指标方向", "方向"))

TARGET_COLUMNS = (
    UNIT, UNIT_CODE, PROJECT,
    Column(BUDGET.name, BUDGET.aliases, required=True, scope="project"),
    Column(GOAL.name, GOAL.aliases, required=True, scope="project"),
    LEVEL1, LEVEL2, NAME,
    Column(OPERATOR.name, OPERATOR.aliases, required=True),
    Column(TARGET.name, TARGET.aliases, required=True),
    Column(MEASURE.name, MEASURE.aliases, required=True),
    Column(WEIGHT.name, WEIGHT.aliases, required=True),
    Column(DIRECTION.name, DIRECTION.aliases, required=True),
)
TARGETS = Layout("表13（部门预算项目绩效目标表）", TARGET_COLUMNS)

SPENT = Column("预算执行数", ("实际支出数", "执行数", "全年执行数", "预算执行金额", "实际执行数",
                              "资金执行数"), scope="project")
SPENT_REASON = Column("执行率偏低原因", ("预算执行偏差原因", "执行偏差原因"), scope="project")
ACTUAL = Column("实际完成值", ("完成值", "全年实际完成值", "当前完成值", "实际完成情况",
                              "截至目前完成值", "1-7月完成值"), required=True)
EXPLANATION = Column("未完成原因", ("未完成原因及说明", "未完成原因分析", "偏差原因分析", "偏差原因说明",
                                   "未完成原因和改进措施", "原因说明"))
DEVIATION = Column("偏差原因", ("偏差原因类型",))
EXPECTED = Column("全年预计完成值", ("预计全年完成值", "全年预计完成情况", "预计完成值"))
LIKELIHOOD = Column("完成可能性", ("完成目标可能性", "是否能完成", "全年完成可能性"))
MEASURES = Column("纠偏措施", ("拟采取的纠偏措施", "纠偏措施及计划", "整改措施"))

# Hidden columns of the fill-in template: which period it was made for and the version of each
# record it shows, so an upload made from an older copy is merged, not applied blindly.
PERIOD_CODE = Column("填报期间代码", scope="unit")
RECORD_VERSION = Column("指标记录版本")
PROJECT_VERSION = Column("项目记录版本", scope="project")
VERSION_COLUMNS = (PERIOD_CODE, RECORD_VERSION, PROJECT_VERSION)

ACTUAL_COLUMNS = (
    UNIT, UNIT_CODE, PROJECT, BUDGET, GOAL, SPENT, SPENT_REASON,
    LEVEL1, LEVEL2, NAME, OPERATOR, TARGET, MEASURE, WEIGHT, DIRECTION,
    ACTUAL, EXPLANATION, DEVIATION, EXPECTED, LIKELIHOOD, MEASURES, *VERSION_COLUMNS,
)
ACTUALS = Layout("自评表或监控表", ACTUAL_COLUMNS)

# The 表13 columns in their published order (export and flat resources use the same names).
TABLE13_HEADERS = ("单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标",
                   "指标性质", "指标值", "度量单位", "权重", "指标方向性")
