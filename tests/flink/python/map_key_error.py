"""DataStream API: a Python map looks up each order's country in a region table;
one order comes from a country the table does not know (KeyError in the map)."""
from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.datastream.functions import MapFunction

REGION_BY_COUNTRY = {"DE": "emea", "FR": "emea", "US": "amer", "BR": "amer", "JP": "apac"}


class AssignRegion(MapFunction):
    def map(self, order):
        order_id, country, amount = order
        return order_id, REGION_BY_COUNTRY[country], amount


def main():
    env = StreamExecutionEnvironment.get_execution_environment()
    orders = env.from_collection(
        [(1, "DE", 20.0), (2, "US", 35.5), (3, "JP", 12.0), (4, "XK", 8.25), (5, "FR", 40.0)],
        type_info=Types.TUPLE([Types.LONG(), Types.STRING(), Types.DOUBLE()]))
    orders.map(AssignRegion(), output_type=Types.TUPLE([Types.LONG(), Types.STRING(), Types.DOUBLE()])) \
        .name("assign-region").print()
    env.execute("orders-by-region")


if __name__ == "__main__":
    main()
