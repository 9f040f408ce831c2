"""Table API + SQL: a PyFlink program registers a Python UDF and inserts into a sink,
but its query names a column the source does not have (amount_eur; the column is
amount): the planner rejects the statement while the client builds the job."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def tier(amount):
    return "large" if amount >= 100 else "small"


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    payments = t_env.from_elements(
        [("p-100", 12.5), ("p-101", 250.0)],
        DataTypes.ROW([DataTypes.FIELD("payment_id", DataTypes.STRING()),
                       DataTypes.FIELD("amount", DataTypes.DOUBLE())]))
    t_env.create_temporary_system_function("tier", tier)
    t_env.create_temporary_view("payments", payments)
    t_env.execute_sql("CREATE TABLE tiers (payment_id STRING, tier STRING) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO tiers SELECT payment_id, tier(amount_eur) FROM payments")


if __name__ == "__main__":
    main()
