"""Table API (expressions, no SQL): a streaming PyFlink program sorts an unbounded table
by a regular column, which streaming mode does not support: the planner rejects the
query (TableException, which PyFlink re-raises as pyflink.util.exceptions.TableException)
while the client builds the job."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col
from pyflink.table.udf import udf


@udf(result_type=DataTypes.DOUBLE())
def with_vat(amount):
    return round(amount * 1.19, 2)


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("""
        CREATE TABLE payments (payment_id BIGINT, amount DOUBLE)
        WITH ('connector' = 'datagen', 'rows-per-second' = '5')""")
    t_env.execute_sql("CREATE TABLE ranked (payment_id BIGINT, gross DOUBLE) WITH ('connector' = 'blackhole')")
    t_env.from_path("payments") \
        .select(col("payment_id"), with_vat(col("amount")).alias("gross")) \
        .order_by(col("gross").desc) \
        .execute_insert("ranked")


if __name__ == "__main__":
    main()
