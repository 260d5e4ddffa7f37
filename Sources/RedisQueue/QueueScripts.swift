/// The Lua scripts behind the queue operations that must be atomic. A script runs in Redis with no
/// other command in between, which is what makes "check, then act" sequences race-free between
/// several consumers (and several hubs). They are sent with `EVAL`; Redis caches the compiled script
/// by its SHA-1, and `EVAL` keeps working after a server restart, unlike `EVALSHA`.
enum QueueScripts {
    /// Reclaim expired leases.
    /// KEYS: stream, dead-letter stream. ARGV: group, consumer, lease ms, max deliveries, count,
    /// dead-letter MAXLEN.
    ///
    /// For each pending entry idle for at least the lease (oldest first, up to count):
    /// - delivered `max deliveries` times or more: copied to the dead-letter stream with its payload,
    ///   original id, delivery count, last consumer and reason, then XACKed and XDELed;
    /// - else XCLAIMed by `consumer` (the delivery count goes up by one).
    /// Both happen only while the entry is still idle past the lease inside this atomic script, so two
    /// reclaimers never both get an entry, and an entry whose owner extended its lease is left alone.
    ///
    /// Returns `{ {{id, payload, deliveryCount, previousConsumer}...}, {{id, payload, deliveries,
    /// lastConsumer, reason, deadLetterID}...} }`.
    static let reclaim = """
        local stream, dead = KEYS[1], KEYS[2]
        local group, me, lease = ARGV[1], ARGV[2], ARGV[3]
        local max_deliveries = tonumber(ARGV[4])
        local dead_max = ARGV[6]
        local function payload_of(fields)
          if not fields then return false end
          for i = 1, #fields, 2 do
            if fields[i] == 'payload' then return fields[i + 1] end
          end
          return false
        end
        local claimed, buried = {}, {}
        local pending = redis.call('XPENDING', stream, group, 'IDLE', lease, '-', '+', ARGV[5])
        for _, p in ipairs(pending) do
          local id, owner, deliveries = p[1], p[2], tonumber(p[4])
          if deliveries >= max_deliveries then
            local entry = redis.call('XRANGE', stream, id, id)
            local payload = false
            if #entry == 1 then payload = payload_of(entry[1][2]) end
            local reason = 'delivered ' .. deliveries .. ' times without being acknowledged (maximum ' ..
              max_deliveries .. '); last consumer ' .. owner
            if not payload then
              payload = ''
              reason = reason .. '; the entry had no payload left in the stream'
            end
            local dead_id = redis.call('XADD', dead, 'MAXLEN', '~', dead_max, '*',
              'payload', payload, 'id', id, 'deliveries', deliveries, 'consumer', owner,
              'reason', reason, 'stream', stream, 'group', group)
            redis.call('XACK', stream, group, id)
            redis.call('XDEL', stream, id)
            buried[#buried + 1] = {id, payload, deliveries, owner, reason, dead_id}
          else
            local entry = redis.call('XCLAIM', stream, group, me, lease, id)[1]
            if entry then
              claimed[#claimed + 1] = {id, payload_of(entry[2]) or '', deliveries + 1, owner}
            end
          end
        end
        return {claimed, buried}
        """

    /// Extend leases, only for entries the consumer still owns.
    /// KEYS: stream. ARGV: group, consumer, ids...
    ///
    /// For each id pending under `consumer`: `XCLAIM ... 0 id JUSTID` by that same consumer, which
    /// resets the idle time and does not increment the delivery count. An id no longer pending under
    /// the consumer (reclaimed by another after the lease expired, acknowledged, or dead-lettered) is
    /// reported lost and NOT taken back: taking it back would hand one entry to two live consumers.
    ///
    /// Returns `{ {kept ids...}, {lost ids...} }`.
    static let extendLeases = """
        local stream, group, me = KEYS[1], ARGV[1], ARGV[2]
        local kept, lost = {}, {}
        for i = 3, #ARGV do
          local id = ARGV[i]
          local p = redis.call('XPENDING', stream, group, id, id, 1)
          if #p == 1 and p[1][2] == me and #redis.call('XCLAIM', stream, group, me, 0, id, 'JUSTID') == 1 then
            kept[#kept + 1] = id
          else
            lost[#lost + 1] = id
          end
        end
        return {kept, lost}
        """

    /// Delete undelivered entries by tag, one chunk per call.
    /// KEYS: stream. ARGV: group, tag name, tag value, returned field, cursor ('' at first), count.
    ///
    /// The undelivered entries are exactly those after the group's last-delivered id: XREADGROUP hands
    /// entries out in id order, and reclaiming only re-delivers pending ones (acked ones are deleted). The
    /// script scans up to `count` of them, after the cursor when that is later (the group may have moved on
    /// between two calls), and XDELs those whose tag has the value; atomic, so no consumer reads an entry
    /// between the check and the delete. Without a group nothing was delivered.
    ///
    /// Returns `{cursor, {returned field of each removed entry...}}`; the cursor is the last id scanned,
    /// nil once the end of the stream was reached.
    static let deleteUndeliveredTagged = """
        local stream, group, tag, value, wanted = KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local cursor, count = ARGV[5], tonumber(ARGV[6])
        if redis.call('EXISTS', stream) == 0 then return {false, {}} end
        local function later(a, b)
          local am, as = string.match(a, '^(%d+)-(%d+)$')
          local bm, bs = string.match(b, '^(%d+)-(%d+)$')
          am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
          return am > bm or (am == bm and as > bs)
        end
        local from = '0-0'
        for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
          local name, last
          for i = 1, #info, 2 do
            if info[i] == 'name' then name = info[i + 1] elseif info[i] == 'last-delivered-id' then last = info[i + 1] end
          end
          if name == group then from = last end
        end
        if cursor ~= '' and later(cursor, from) then from = cursor end
        local entries = redis.call('XRANGE', stream, '(' .. from, '+', 'COUNT', count)
        local removed, last = {}, false
        for _, entry in ipairs(entries) do
          last = entry[1]
          local fields, matched, returned = entry[2], false, ''
          for i = 1, #fields, 2 do
            if fields[i] == tag and fields[i + 1] == value then matched = true end
            if fields[i] == wanted then returned = fields[i + 1] end
          end
          if matched then
            redis.call('XDEL', stream, entry[1])
            removed[#removed + 1] = returned
          end
        end
        if #entries < count then last = false end
        return {last, removed}
        """
}
