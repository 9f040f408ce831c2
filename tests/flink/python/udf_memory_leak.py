"""Table API: a Python scalar UDF renders a receipt (about 1 MiB of text) per payment
and memoizes every rendering in a module-level dict that is never evicted; payment ids
are random in 1..10^12 (datagen, 40 rows/s), so the Python worker grows by about 40 MiB/s until
the memory limit of the TaskManager's container (a memory cgroup) is reached."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf

_receipts = {}


@udf(result_type=DataTypes.INT())
def receipt_size(payment_id, customer):
    receipt = _receipts.get(payment_id)
    if receipt is None:
        line = "payment %d customer %s\n" % (payment_id, customer)
        receipt = _receipts[payment_id] = line * (1048576 // len(line))
    return len(receipt)


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("""
        CREATE TABLE payments (payment_id BIGINT, customer STRING)
        WITH ('connector' = 'datagen', 'rows-per-second' = '40',
              'fields.payment_id.min' = '1', 'fields.payment_id.max' = '1000000000000',
              'fields.customer.length' = '8')""")
    t_env.execute_sql("CREATE TABLE receipts (payment_id BIGINT, size INT) WITH ('connector' = 'blackhole')")
    t_env.create_temporary_system_function("receipt_size", receipt_size)
    t_env.execute_sql("INSERT INTO receipts SELECT payment_id, receipt_size(payment_id, customer) FROM payments")


if __name__ == "__main__":
    main()
