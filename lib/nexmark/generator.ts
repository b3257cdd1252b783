// A deterministic, seeded Nexmark event generator producing columnar batches.
//
// Faithful to the nexmark/nexmark Flink generator's model: the person : auction : bid mix of
// 1 : 3 : 46 chosen by `eventId % 50`; ids starting at 1000; hot auctions / bidders / sellers
// (P(hot) = 1 - 1/ratio with ratios 2 / 4 / 4, i.e. 50 % of bids on a hot auction, 75 % hot bidders
// and sellers); in-flight auctions and active people windows; log-uniform prices from 100 to 1e8;
// bid channels Google/Facebook/Baidu/Apple for half the bids and one of 10,000 channel URLs
// otherwise; `extra` padding so records average 200 / 500 / 100 bytes; event time advancing by a
// fixed inter-event delay from a base time. Each event draws from its own PRNG stream seeded by
// (seed, eventId), like Beam's generator, so any range of events can be generated independently
// and the output never depends on batch boundaries.

export interface NexmarkConfig {
  /** PRNG seed; the same seed always yields the same events */
  seed: number;
  /** events per second of event time (the Flink suite's default TPS is 10 M) */
  eventsPerSecond: number;
  /** event time of event 0, epoch ms */
  baseTime: number;
  personProportion: number;
  auctionProportion: number;
  bidProportion: number;
  hotAuctionRatio: number;
  hotBiddersRatio: number;
  hotSellersRatio: number;
  numActivePeople: number;
  numInFlightAuctions: number;
  avgPersonByteSize: number;
  avgAuctionByteSize: number;
  avgBidByteSize: number;
}

export const DEFAULT_CONFIG: NexmarkConfig = {
  seed: 42,
  eventsPerSecond: 10_000_000,
  baseTime: Date.UTC(2024, 0, 1),
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotBiddersRatio: 4,
  hotSellersRatio: 4,
  numActivePeople: 1000,
  numInFlightAuctions: 100,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
};

const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const HOT_RATIO_BATCH = 100; // the "batch of last 100" that hot ids are picked from
const HOT_CHANNELS_RATIO = 2;
const CHANNELS_NUMBER = 10_000;
const MIN_STRING_LENGTH = 3;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];

function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A small, fast PRNG: sfc32 seeded through splitmix32. */
class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  reseed(seed: number, stream: number): void {
    // splitmix32 over (seed, stream) gives well-mixed independent streams per event id
    let s = (Math.imul(seed | 0, 0x9e3779b9) ^ stream ^ Math.floor(stream / 4294967296)) >>> 0;
    s = (s + 0x9e3779b9) | 0;
    this.a = mix32(s);
    s = (s + 0x9e3779b9) | 0;
    this.b = mix32(s);
    s = (s + 0x9e3779b9) | 0;
    this.c = mix32(s);
    s = (s + 0x9e3779b9) | 0;
    this.d = mix32(s) | 1;
  }
  /** uniform 32-bit (sfc32) */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** uniform integer in [0, n) */
  int(n: number): number {
    return n <= 4294967296 ? Math.floor((this.u32() / 4294967296) * n) : Math.floor(this.double() * n);
  }
  double(): number {
    return (this.u32() * 2097152 + (this.u32() >>> 11)) / 9007199254740992;
  }
}

/** Columnar batches of the three event kinds, as the engine ingests them. */
export interface PersonColumns {
  id: Float64Array;
  name: string[];
  email_address: string[];
  credit_card: string[];
  city: string[];
  state: string[];
  date_time: Float64Array;
  extra: string[];
}
export interface AuctionColumns {
  id: Float64Array;
  item_name: string[];
  description: string[];
  initial_bid: Float64Array;
  reserve: Float64Array;
  date_time: Float64Array;
  expires: Float64Array;
  seller: Float64Array;
  category: Float64Array;
  extra: string[];
}
export interface BidColumns {
  auction: Float64Array;
  bidder: Float64Array;
  price: Float64Array;
  channel: string[];
  url: string[];
  date_time: Float64Array;
  extra: string[];
}
export interface EventBatch {
  /** first event id of the batch and number of events */
  firstEventId: number;
  events: number;
  persons: number;
  auctions: number;
  bids: number;
  person: PersonColumns;
  auction: AuctionColumns;
  bid: BidColumns;
  /** event time of the batch's last event (the generator's events are in order) */
  maxTimestamp: number;
}

export class NexmarkGenerator {
  readonly config: NexmarkConfig;
  private readonly rng = new Rng();
  private readonly total: number;
  private readonly hotUrls: string[];
  private readonly channelUrls: string[];
  private nextId = 0;

  constructor(config: Partial<NexmarkConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    const c = this.config;
    this.total = c.personProportion + c.auctionProportion + c.bidProportion;
    this.rng.reseed(c.seed, -1);
    this.hotUrls = HOT_CHANNELS.map(() => this.baseUrl());
    this.channelUrls = [];
    for (let i = 0; i < CHANNELS_NUMBER; i++) {
      let url = this.baseUrl();
      if (this.rng.int(10) > 0) url += `&channel_id=${reverseBits32(i)}`;
      this.channelUrls.push(url);
    }
  }

  /** event time of event `eventId` (epoch ms) */
  timestampFor(eventId: number): number {
    return this.config.baseTime + Math.floor((eventId * 1000) / this.config.eventsPerSecond);
  }

  /** Generate the next `n` events as columnar batches. */
  next(n: number): EventBatch {
    const first = this.nextId;
    const batch = this.generate(first, n);
    this.nextId += n;
    return batch;
  }

  /** Generate events [first, first + n) (independent of any earlier calls). */
  generate(first: number, n: number): EventBatch {
    let persons = 0;
    let auctions = 0;
    for (let e = first; e < first + n; e++) {
      const rem = e % this.total;
      if (rem < this.config.personProportion) persons++;
      else if (rem < this.config.personProportion + this.config.auctionProportion) auctions++;
    }
    const bids = n - persons - auctions;
    const person: PersonColumns = {
      id: new Float64Array(persons),
      name: new Array(persons),
      email_address: new Array(persons),
      credit_card: new Array(persons),
      city: new Array(persons),
      state: new Array(persons),
      date_time: new Float64Array(persons),
      extra: new Array(persons),
    };
    const auction: AuctionColumns = {
      id: new Float64Array(auctions),
      item_name: new Array(auctions),
      description: new Array(auctions),
      initial_bid: new Float64Array(auctions),
      reserve: new Float64Array(auctions),
      date_time: new Float64Array(auctions),
      expires: new Float64Array(auctions),
      seller: new Float64Array(auctions),
      category: new Float64Array(auctions),
      extra: new Array(auctions),
    };
    const bid: BidColumns = {
      auction: new Float64Array(bids),
      bidder: new Float64Array(bids),
      price: new Float64Array(bids),
      channel: new Array(bids),
      url: new Array(bids),
      date_time: new Float64Array(bids),
      extra: new Array(bids),
    };
    let p = 0;
    let a = 0;
    let b = 0;
    const c = this.config;
    for (let e = first; e < first + n; e++) {
      this.rng.reseed(c.seed, e);
      const ts = this.timestampFor(e);
      const rem = e % this.total;
      if (rem < c.personProportion) this.person(e, ts, person, p++);
      else if (rem < c.personProportion + c.auctionProportion) this.auction(e, ts, auction, a++);
      else this.bid(e, ts, bid, b++);
    }
    return { firstEventId: first, events: n, persons, auctions, bids, person, auction, bid, maxTimestamp: this.timestampFor(first + n - 1) };
  }

  private person(eventId: number, ts: number, out: PersonColumns, i: number): void {
    const r = this.rng;
    out.id[i] = this.lastBase0PersonId(eventId) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[r.int(FIRST_NAMES.length)]} ${LAST_NAMES[r.int(LAST_NAMES.length)]}`;
    const email = `${this.nextString(7)}@${this.nextString(5)}.com`;
    const card = `${pad4(r.int(10000))} ${pad4(r.int(10000))} ${pad4(r.int(10000))} ${pad4(r.int(10000))}`;
    const city = US_CITIES[r.int(US_CITIES.length)];
    const state = US_STATES[r.int(US_STATES.length)];
    out.name[i] = name;
    out.email_address[i] = email;
    out.credit_card[i] = card;
    out.city[i] = city;
    out.state[i] = state;
    out.date_time[i] = ts;
    const size = 8 + name.length + email.length + card.length + city.length + state.length;
    out.extra[i] = this.nextExtra(size, this.config.avgPersonByteSize);
  }

  private auction(eventId: number, ts: number, out: AuctionColumns, i: number): void {
    const r = this.rng;
    const c = this.config;
    out.id[i] = this.lastBase0AuctionId(eventId) + FIRST_AUCTION_ID;
    let seller: number;
    if (r.int(c.hotSellersRatio) > 0) {
      seller = Math.floor(this.lastBase0PersonId(eventId) / HOT_RATIO_BATCH) * HOT_RATIO_BATCH;
    } else {
      seller = this.nextBase0PersonId(eventId);
    }
    out.seller[i] = seller + FIRST_PERSON_ID;
    out.category[i] = FIRST_CATEGORY_ID + r.int(NUM_CATEGORIES);
    const initialBid = this.nextPrice();
    out.initial_bid[i] = initialBid;
    out.date_time[i] = ts;
    out.expires[i] = ts + this.nextAuctionLengthMs(eventId, ts);
    const name = this.nextString(20);
    const desc = this.nextString(100);
    out.item_name[i] = name;
    out.description[i] = desc;
    out.reserve[i] = initialBid + this.nextPrice();
    out.extra[i] = this.nextExtra(8 + name.length + desc.length + 40, c.avgAuctionByteSize);
  }

  private bid(eventId: number, ts: number, out: BidColumns, i: number): void {
    const r = this.rng;
    const c = this.config;
    let auction: number;
    if (r.int(c.hotAuctionRatio) > 0) {
      auction = Math.floor(this.lastBase0AuctionId(eventId) / HOT_RATIO_BATCH) * HOT_RATIO_BATCH;
    } else {
      auction = this.nextBase0AuctionId(eventId);
    }
    out.auction[i] = auction + FIRST_AUCTION_ID;
    let bidder: number;
    if (r.int(c.hotBiddersRatio) > 0) {
      // the second person of the batch, so hot bidders and hot sellers don't collide
      bidder = Math.floor(this.lastBase0PersonId(eventId) / HOT_RATIO_BATCH) * HOT_RATIO_BATCH + 1;
    } else {
      bidder = this.nextBase0PersonId(eventId);
    }
    out.bidder[i] = bidder + FIRST_PERSON_ID;
    out.price[i] = this.nextPrice();
    if (r.int(HOT_CHANNELS_RATIO) > 0) {
      const k = r.int(HOT_CHANNELS.length);
      out.channel[i] = HOT_CHANNELS[k];
      out.url[i] = this.hotUrls[k];
    } else {
      const k = r.int(CHANNELS_NUMBER);
      out.channel[i] = `channel-${k}`;
      out.url[i] = this.channelUrls[k];
    }
    out.date_time[i] = ts;
    out.extra[i] = this.nextExtra(32, c.avgBidByteSize);
  }

  private lastBase0PersonId(eventId: number): number {
    const c = this.config;
    const epoch = Math.floor(eventId / this.total);
    let offset = eventId % this.total;
    if (offset >= c.personProportion) offset = c.personProportion - 1;
    return epoch * c.personProportion + offset;
  }

  private lastBase0AuctionId(eventId: number): number {
    const c = this.config;
    let epoch = Math.floor(eventId / this.total);
    let offset = eventId % this.total;
    if (offset < c.personProportion) {
      epoch--;
      offset = c.auctionProportion - 1;
    } else if (offset >= c.personProportion + c.auctionProportion) {
      offset = c.auctionProportion - 1;
    } else {
      offset -= c.personProportion;
    }
    return epoch * c.auctionProportion + offset;
  }

  private nextBase0PersonId(eventId: number): number {
    const numPeople = this.lastBase0PersonId(eventId) + 1;
    const active = Math.min(numPeople, this.config.numActivePeople);
    return numPeople - active + this.rng.int(active + PERSON_ID_LEAD);
  }

  private nextBase0AuctionId(eventId: number): number {
    const maxAuction = this.lastBase0AuctionId(eventId);
    const minAuction = Math.max(maxAuction - this.config.numInFlightAuctions, 0);
    return minAuction + this.rng.int(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  private nextAuctionLengthMs(eventId: number, ts: number): number {
    const c = this.config;
    const eventsForAuctions = Math.floor((c.numInFlightAuctions * this.total) / c.auctionProportion);
    const futureAuction = this.timestampFor(eventId + eventsForAuctions);
    const horizonMs = futureAuction - ts;
    return 1 + this.rng.int(Math.max(horizonMs * 2, 1));
  }

  /** log-uniform between 100 and 1e8 */
  private nextPrice(): number {
    return Math.round(Math.pow(10, this.rng.double() * 6) * 100);
  }

  private nextString(maxLength: number): string {
    let len = MIN_STRING_LENGTH + this.rng.int(maxLength - MIN_STRING_LENGTH);
    let s = '';
    while (len-- > 0) s += this.rng.int(13) === 0 ? ' ' : String.fromCharCode(97 + this.rng.int(26));
    return s.trim();
  }

  private nextExtra(currentSize: number, desiredAverage: number): string {
    if (currentSize > desiredAverage) return '';
    const wanted = desiredAverage - currentSize;
    const delta = Math.round(wanted * 0.2);
    const size = wanted - delta + (delta === 0 ? 0 : this.rng.int(2 * delta));
    return exactString(this.rng, size);
  }

  private baseUrl(): string {
    return `https://www.nexmark.com/${this.nextString(5)}/${this.nextString(5)}/${this.nextString(5)}/item.htm?query=1`;
  }
}

// Padding strings are the bulk of the bytes: slice them from one pre-made random alphabet run
// instead of building each character, so the generator stays cheap next to the engine.
const PAD_SOURCE = (() => {
  const r = new Rng();
  r.reseed(7, 7);
  let s = '';
  for (let i = 0; i < 1 << 16; i++) s += String.fromCharCode(97 + r.int(26));
  return s;
})();

function exactString(r: Rng, length: number): string {
  if (length <= 0) return '';
  const start = r.int(PAD_SOURCE.length - length);
  return PAD_SOURCE.slice(start, start + length);
}

function pad4(n: number): string {
  return n < 10 ? `000${n}` : n < 100 ? `00${n}` : n < 1000 ? `0${n}` : String(n);
}

function reverseBits32(i: number): number {
  let x = i >>> 0;
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  x = (x >>> 16) | (x << 16);
  return x | 0; // Java's Integer.reverse yields a signed int
}

/** Anything with the Engine's columnar insert (the Engine, or a durable wrapper of it). */
export interface ColumnSink {
  insertColumns(name: string, columns: ArrayLike<unknown>[], length: number): void;
}

/** Inserts one batch into the person/auction/bid sources: column arrays in schema order, no rows. */
export function insertNexmarkBatch(sink: ColumnSink, b: EventBatch): void {
  const p = b.person;
  const a = b.auction;
  const d = b.bid;
  if (b.persons > 0) sink.insertColumns('person', [p.id, p.name, p.email_address, p.credit_card, p.city, p.state, p.date_time, p.extra], b.persons);
  if (b.auctions > 0)
    sink.insertColumns('auction', [a.id, a.item_name, a.description, a.initial_bid, a.reserve, a.date_time, a.expires, a.seller, a.category, a.extra], b.auctions);
  if (b.bids > 0) sink.insertColumns('bid', [d.auction, d.bidder, d.price, d.channel, d.url, d.date_time, d.extra], b.bids);
}
